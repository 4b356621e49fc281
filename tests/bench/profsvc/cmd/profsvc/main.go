// profsvc is the benchmark app: a small service over real third-party code (pprof's profile
// format and its interactive driver, golang.org/x/tools' vet analyzers), so a build compiles
// what a mid-size Go service compiles.
package main

import (
	"fmt"
	"os"

	"example.com/profsvc/internal/report"
	"github.com/google/pprof/driver"
	"golang.org/x/tools/go/analysis/suite/vet"
	"golang.org/x/tools/go/analysis/unitchecker"
)

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "pprof":
			if err := driver.PProf(&driver.Options{}); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			return
		case "vet":
			unitchecker.Main(vet.Suite...)
		}
	}
	fmt.Println(report.Summary(len(vet.Suite)))
}
