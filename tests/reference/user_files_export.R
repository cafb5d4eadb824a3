# Export real public time series shipped in Debian packages as user files for the ingest-file
# tests, plus the expected values computed here (independently of lib/), into
# tests/fixtures/user_files/. Run from the repository root:
#
#   Rscript tests/reference/user_files_export.R
#
# Needs the Debian packages r-cran-ttr, r-cran-zoo, r-cran-tseries, r-cran-fbasics (only to
# regenerate the fixtures; the tests read the committed CSV files).
suppressPackageStartupMessages({
  library(TTR)
  library(zoo)
})
out <- "tests/fixtures/user_files"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
w <- function(df, name) {
  write.csv(df, file.path(out, name), row.names = FALSE, quote = FALSE)
}

# 1. Daily bars before 2000: TTR's ttrc (OHLCV, 1985-01-02 .. 2006-12-29), as shipped.
data(ttrc, package = "TTR")
d <- data.frame(Date = format(ttrc$Date, "%Y-%m-%d"), Open = ttrc$Open, High = ttrc$High,
                Low = ttrc$Low, Close = ttrc$Close, Volume = ttrc$Volume)
w(d, "ttrc_daily.csv")

# 2. Intraday FX, closes only, UTC: fBasics' usdthb (Reuters USD/THB quotes, June 1997, stamped
# YYYYMMDDhhmm in GMT). 30-minute bid closes: for each 30-minute UTC bucket that holds at least
# one quote, the bid of the bucket's last quote (file order); stamped at the bucket open, naive.
data(usdthb, package = "fBasics")
stamp <- sprintf("%.0f", usdthb$XDATE)
t <- as.POSIXct(stamp, format = "%Y%m%d%H%M", tz = "UTC")
stopifnot(!any(is.na(t)))
bucket <- as.POSIXct(floor(as.numeric(t) / 1800) * 1800, origin = "1970-01-01", tz = "UTC")
last <- !duplicated(bucket, fromLast = TRUE)
fx <- data.frame(time_utc = format(bucket[last], "%Y-%m-%d %H:%M:%S", tz = "UTC"),
                 close = usdthb$BID[last])
w(fx, "usdthb_30m_bid_close.csv")

# 3. A decimal-year series: tseries' tcm (US Treasury constant maturity yields, monthly,
# 1953-04 .. 1999-09, percent), time column = time(tcm) (year + (month - 1) / 12), wide.
data(tcm, package = "tseries")
tt <- as.numeric(time(tcm))
y <- data.frame(time = trimws(formatC(tt, digits = 15, format = "g")), tcm1y = as.numeric(tcm[, 1]),
                tcm3y = as.numeric(tcm[, 2]), tcm5y = as.numeric(tcm[, 3]),
                tcm10y = as.numeric(tcm[, 4]))
w(y, "tcm_monthly_decimal_year.csv")
# Expected: the month of each observation as its first day (zoo's yearmon of the ts time).
months <- format(as.Date(as.yearmon(tt)), "%Y-%m-%d")
exp <- do.call(rbind, lapply(colnames(tcm), function(s) {
  data.frame(symbol = s, date = months, value = as.numeric(tcm[, s]))
}))
w(exp, "tcm_expected_long.csv")

# 4. A file without dates: datasets' EuStockMarkets (DAX, SMI, CAC, FTSE daily closes,
# 1860 rows, no date column). Expected dates for `--start 1991-07-01 --freq session
# --calendar weekdays`: the k-th Monday-Friday from 1991-07-01 (base R, independent of lib/time).
data(EuStockMarkets, package = "datasets")
e <- as.data.frame(EuStockMarkets)
w(e, "eustockmarkets_no_dates.csv")
days <- seq(as.Date("1991-07-01"), by = "day", length.out = 4000)
wd <- days[!(format(days, "%u") %in% c("6", "7"))][seq_len(nrow(e))]
w(data.frame(k = seq_len(nrow(e)), date = format(wd, "%Y-%m-%d")),
  "eustockmarkets_expected_weekdays.csv")

cat("R", R.version$major, R.version$minor, "TTR", format(packageVersion("TTR")),
    "fBasics", format(packageVersion("fBasics")), "tseries", format(packageVersion("tseries")),
    "zoo", format(packageVersion("zoo")), "\n")
