-- view: vendor_news
-- purpose: Polygon news articles with per-ticker sentiment (+1 positive, 0 neutral, -1 negative)
-- grain: one row per (article id, ticker)
-- inputs: curated/polygon/news/**/*.parquet
-- known_at: the publication time
CREATE OR REPLACE VIEW vendor_news AS
SELECT id, ts AS published_at, ticker, title, author, publisher, article_url, tickers,
  sentiment, sentiment_score, sentiment_reasoning, known_at
FROM read_parquet('{{lake}}/curated/polygon/news/**/*.parquet', union_by_name = true,
  hive_partitioning = false);
