# Generates tests/fixtures/features/ttr_volatility_ttrc.csv: TTR::volatility on the first 1000
# rows of TTR's bundled `ttrc` daily OHLC series, annualised with N = 252.
# Run from the repo root: /usr/bin/Rscript tests/reference/features_ttr_volatility.R
suppressPackageStartupMessages(library(TTR))
data(ttrc)
x <- head(ttrc, 1000)
ohlc <- as.matrix(x[, c("Open", "High", "Low", "Close")])
N <- 252
out <- data.frame(
  date = format(x$Date), open = x$Open, high = x$High, low = x$Low, close = x$Close,
  # TTR's close-to-close estimator with n = 21 prices uses 20 log returns (our window 20)
  close_to_close_20 = volatility(ohlc, n = 21, calc = "close", N = N),
  parkinson_20 = volatility(ohlc, n = 20, calc = "parkinson", N = N),
  garman_klass_20 = volatility(ohlc, n = 20, calc = "garman.klass", N = N),
  rogers_satchell_20 = volatility(ohlc, n = 20, calc = "rogers.satchell", N = N),
  yang_zhang_20 = volatility(ohlc, n = 20, calc = "yang.zhang", N = N)
)
write.csv(out, "tests/fixtures/features/ttr_volatility_ttrc.csv", row.names = FALSE, na = "NA")
cat("TTR", as.character(packageVersion("TTR")), "\n")
