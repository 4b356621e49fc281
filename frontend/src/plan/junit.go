// gofront's JUnit writer: reads `go test -json` on stdin, writes JUnit XML (the form Jenkins and
// GitLab read) on stdout and a short summary on stderr. Standard library only, so any Go
// toolchain runs it as it is.
package main

import (
	"bufio"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// event is one line of `go test -json` (cmd/test2json), with the build events Go 1.24 added.
type event struct {
	Time        time.Time
	Action      string
	Package     string
	Test        string
	Elapsed     float64
	Output      string
	ImportPath  string
	FailedBuild string
}

type testResult struct {
	name    string
	outcome string // pass, fail, skip; empty when the test binary stopped before it ended
	elapsed float64
	output  strings.Builder
}

type packageResult struct {
	name        string
	started     time.Time
	outcome     string
	elapsed     float64
	failedBuild string
	output      strings.Builder
	tests       []*testResult
	byName      map[string]*testResult
}

type report struct {
	packages    []*packageResult
	byName      map[string]*packageResult
	buildOutput map[string]*strings.Builder
}

func (r *report) pkg(name string, at time.Time) *packageResult {
	if p, ok := r.byName[name]; ok {
		return p
	}
	p := &packageResult{name: name, started: at, byName: map[string]*testResult{}}
	r.byName[name] = p
	r.packages = append(r.packages, p)
	return p
}

func (p *packageResult) test(name string) *testResult {
	if t, ok := p.byName[name]; ok {
		return t
	}
	t := &testResult{name: name}
	p.byName[name] = t
	p.tests = append(p.tests, t)
	return t
}

func (r *report) add(e event) {
	if e.Action == "build-output" {
		b := r.buildOutput[e.ImportPath]
		if b == nil {
			b = &strings.Builder{}
			r.buildOutput[e.ImportPath] = b
		}
		b.WriteString(e.Output)
		return
	}
	if e.Package == "" {
		return
	}
	p := r.pkg(e.Package, e.Time)
	if e.Test == "" {
		switch e.Action {
		case "output":
			p.output.WriteString(e.Output)
		case "pass", "fail", "skip":
			p.outcome, p.elapsed, p.failedBuild = e.Action, e.Elapsed, e.FailedBuild
		}
		return
	}
	t := p.test(e.Test)
	switch e.Action {
	case "output":
		t.output.WriteString(e.Output)
	case "pass", "fail", "skip":
		t.outcome, t.elapsed = e.Action, e.Elapsed
	}
}

type testSuites struct {
	XMLName  xml.Name    `xml:"testsuites"`
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr"`
	Suites   []testSuite `xml:"testsuite"`
}

type testSuite struct {
	Name      string     `xml:"name,attr"`
	Tests     int        `xml:"tests,attr"`
	Failures  int        `xml:"failures,attr"`
	Errors    int        `xml:"errors,attr"`
	Skipped   int        `xml:"skipped,attr"`
	Time      string     `xml:"time,attr"`
	Timestamp string     `xml:"timestamp,attr,omitempty"`
	Cases     []testCase `xml:"testcase"`
	SystemOut string     `xml:"system-out,omitempty"`
}

type testCase struct {
	Name      string   `xml:"name,attr"`
	Classname string   `xml:"classname,attr"`
	Time      string   `xml:"time,attr"`
	Skipped   *message `xml:"skipped,omitempty"`
	Error     *message `xml:"error,omitempty"`
	Failure   *message `xml:"failure,omitempty"`
	SystemOut string   `xml:"system-out,omitempty"`
}

type message struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

func seconds(s float64) string { return fmt.Sprintf("%.3f", s) }

// firstReason is the first line a test wrote itself (`file_test.go:12: …`), for the message.
func firstReason(output, fallback string) string {
	for _, line := range strings.Split(output, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "=== ") || strings.HasPrefix(line, "--- ") {
			continue
		}
		return line
	}
	return fallback
}

func (p *packageResult) suite() testSuite {
	s := testSuite{Name: p.name, Time: seconds(p.elapsed)}
	if !p.started.IsZero() {
		s.Timestamp = p.started.UTC().Format("2006-01-02T15:04:05")
	}
	for _, t := range p.tests {
		c := testCase{Name: t.name, Classname: p.name, Time: seconds(t.elapsed)}
		output := t.output.String()
		switch t.outcome {
		case "pass":
		case "skip":
			c.Skipped = &message{Message: firstReason(output, "skipped")}
			c.SystemOut = output
			s.Skipped++
		case "fail":
			c.Failure = &message{Message: firstReason(output, "failed"), Type: "failure", Text: output}
			s.Failures++
		default:
			c.Failure = &message{Message: "the test did not finish: the test binary stopped (panic, timeout or os.Exit)", Type: "failure", Text: output}
			s.Failures++
		}
		s.Cases = append(s.Cases, c)
	}
	// A package that failed with no failing test (build failure, panic in init, TestMain) gets
	// a case of its own, so the failure is in the report.
	if p.outcome == "fail" && s.Failures == 0 {
		name, what := "[package]", "the test binary failed outside any test"
		if p.failedBuild != "" {
			name, what = "[build]", "build failed: "+p.failedBuild
		}
		s.Cases = append(s.Cases, testCase{Name: name, Classname: p.name, Time: seconds(p.elapsed),
			Error: &message{Message: what, Type: "error", Text: p.output.String()}})
		s.Errors++
	}
	s.Tests = len(s.Cases)
	return s
}

func main() {
	r := &report{byName: map[string]*packageResult{}, buildOutput: map[string]*strings.Builder{}}
	in := bufio.NewReader(os.Stdin)
	for {
		line, err := in.ReadBytes('\n')
		if len(strings.TrimSpace(string(line))) > 0 {
			var e event
			if json.Unmarshal(line, &e) == nil {
				r.add(e)
			} else {
				// Not JSON: what go test printed before it could start (a bad flag, say).
				p := r.pkg("(go test)", time.Time{})
				p.output.Write(line)
				p.outcome = "fail"
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "gofront junit: reading go test -json:", err)
			os.Exit(1)
		}
	}
	// Build output arrives by import path ("pkg [pkg.test]"); it belongs to the failed build.
	for _, p := range r.packages {
		if b, ok := r.buildOutput[p.failedBuild]; ok {
			p.output.Reset()
			p.output.WriteString(b.String())
		}
	}

	all := testSuites{Name: "go test"}
	var total float64
	for _, p := range r.packages {
		s := p.suite()
		if s.Tests == 0 {
			continue // no test files
		}
		all.Suites = append(all.Suites, s)
		all.Tests += s.Tests
		all.Failures += s.Failures
		all.Errors += s.Errors
		all.Skipped += s.Skipped
		total += p.elapsed
		summary(p, s)
	}
	all.Time = seconds(total)
	out, err := xml.MarshalIndent(all, "", "  ")
	if err != nil {
		fmt.Fprintln(os.Stderr, "gofront junit:", err)
		os.Exit(1)
	}
	os.Stdout.WriteString(xml.Header)
	os.Stdout.Write(out)
	os.Stdout.WriteString("\n")
	fmt.Fprintf(os.Stderr, "gofront: %d tests, %d failed, %d errors, %d skipped\n", all.Tests, all.Failures, all.Errors, all.Skipped)
}

// summary prints a package's result, and what failed with its output, to the build log.
func summary(p *packageResult, s testSuite) {
	state := "ok  "
	if s.Failures+s.Errors > 0 {
		state = "FAIL"
	}
	fmt.Fprintf(os.Stderr, "%s %s (%d tests, %d failed, %d skipped)\n", state, p.name, s.Tests, s.Failures+s.Errors, s.Skipped)
	for _, c := range s.Cases {
		failed := c.Failure
		if failed == nil {
			failed = c.Error
		}
		if failed != nil {
			fmt.Fprintf(os.Stderr, "  --- FAIL: %s\n", c.Name)
			for _, line := range strings.Split(strings.TrimRight(failed.Text, "\n"), "\n") {
				if line != "" {
					fmt.Fprintf(os.Stderr, "      %s\n", line)
				}
			}
		}
	}
}
