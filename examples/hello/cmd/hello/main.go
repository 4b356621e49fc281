// hello is the gofront demo: a static Go binary on a scratch root that still knows time zones,
// trusts CA certificates and runs as a non-root user.
package main

import (
	"crypto/x509"
	"fmt"
	"os"
	"runtime"
	"time"
)

var version = "dev"

func main() {
	fmt.Printf("Hello from gofront! version=%s go=%s %s/%s\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if tokyo, err := time.LoadLocation("Asia/Tokyo"); err == nil {
		fmt.Printf("New Year 2030 in Tokyo: %s\n", time.Date(2030, 1, 1, 0, 0, 0, 0, tokyo).Format(time.RFC1123))
	} else {
		fmt.Printf("time zones missing: %v\n", err)
	}
	if pool, err := x509.SystemCertPool(); err == nil {
		fmt.Printf("CA certificates: %t\n", len(pool.Subjects()) > 0) //nolint:staticcheck // a count is enough
	}
	fmt.Printf("running as uid %d\n", os.Getuid())
}
