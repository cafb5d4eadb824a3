# Generates tests/fixtures/features/ttr_ttrc.csv: TTR indicators on the first 1000 rows of
# TTR's bundled `ttrc` daily OHLCV series. Run: /usr/bin/Rscript tests/reference/features_ttr.R
suppressPackageStartupMessages(library(TTR))
data(ttrc)
x <- head(ttrc, 1000)
hlc <- as.matrix(x[, c("High", "Low", "Close")])
cl <- x$Close
m <- MACD(cl, nFast = 12, nSlow = 26, nSig = 9, maType = "EMA", percent = FALSE)
bb <- BBands(cl, n = 20, sd = 2)
a <- ATR(hlc, n = 14)
st <- stoch(hlc, nFastK = 14, nFastD = 3, nSlowD = 3)
out <- data.frame(
  date = format(x$Date), open = x$Open, high = x$High, low = x$Low, close = cl, volume = x$Volume,
  sma_10 = SMA(cl, 10), ema_10 = EMA(cl, 10), ema_10_wilder = EMA(cl, 10, wilder = TRUE),
  rsi_14 = RSI(cl, 14),
  macd = m[, "macd"], macd_signal = m[, "signal"], macd_hist = m[, "macd"] - m[, "signal"],
  bb_lower = bb[, "dn"], bb_middle = bb[, "mavg"], bb_upper = bb[, "up"],
  atr_14 = a[, "atr"], roc_5 = ROC(cl, 5, type = "discrete"), roc_5_log = ROC(cl, 5, type = "continuous"),
  stoch_k = st[, "fastK"], stoch_d = st[, "fastD"]
)
write.csv(out, "tests/fixtures/features/ttr_ttrc.csv", row.names = FALSE, na = "NA")
cat("TTR", as.character(packageVersion("TTR")), "R", R.version.string, "\n")
