# ttrc (TTR's sample daily bars) from 1990-05-01 to 1990-06-29 as CSV, and TTR's ROC(5) at two
# dates, for tests/features/session_clock_test.ts (a session dropped from real daily bars).
# Run: Rscript tests/reference/ttrc_gap_slice.R > tests/fixtures/ttrc_1990_05_06.roc.txt
library(TTR)
data(ttrc)
x <- ttrc[ttrc$Date >= as.Date("1990-05-01") & ttrc$Date <= as.Date("1990-06-29"), ]
x$Date <- format(x$Date)
write.csv(x, "tests/fixtures/ttrc_1990_05_06.csv", row.names = FALSE)
r <- ROC(ttrc$Close, 5, type = "discrete") # C_t / C_{t-5} - 1, as lib/features roc
i <- which(ttrc$Date %in% as.Date(c("1990-06-06", "1990-06-12")))
print(data.frame(date = format(ttrc$Date[i]), roc5 = sprintf("%.10f", r[i])))
