module github.com/mundo/hello

go 1.22
