module example.com/api

go 1.22

require (
	example.com/greet v1.0.0
	example.com/money v0.0.0
)

replace example.com/money => ../../libs/money
