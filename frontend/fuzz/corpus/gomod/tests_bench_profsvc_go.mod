module example.com/profsvc

go 1.25

require (
	github.com/google/pprof v0.0.0-20260507013755-92041b743c96
	golang.org/x/tools v0.45.1-0.20260917185718-3dd9077b8066
)

require github.com/ianlancetaylor/demangle v0.0.0-20250417193237-f615e6bd150b // indirect
