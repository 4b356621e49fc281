module example.com/secretcheck

go 1.22
