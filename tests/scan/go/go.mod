module parakit.test/gofx

go 1.19
