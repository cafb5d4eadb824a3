# R's EuStockMarkets (datasets package) written by write.csv2, as a European-locale user gets it:
# ';' between fields, ',' as the decimal mark, and the row names 1..1860 as a first column whose
# header field is empty (""). Run from the repository root:
#
#   Rscript tests/reference/user_files_csv2.R
#
# The same values with '.' decimals are in eustockmarkets_no_dates.csv (user_files_export.R).
out <- "tests/fixtures/user_files"
write.csv2(EuStockMarkets, file.path(out, "eustockmarkets_csv2.csv"))
