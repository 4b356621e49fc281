module example.com/cgoapp

go 1.22
