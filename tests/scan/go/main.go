// The Go fixture of tests/scan/syscalls-go.sh (issue 17): system calls
// with known numbers through each of Go's ways into the kernel.
package main

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"syscall"
)

// rawNumber traps with a number that is no constant anywhere: unknown.
//
//go:noinline
func rawNumber(n uintptr) uintptr {
	r, _, _ := syscall.Syscall(n, 0, 0, 0)
	return r
}

func main() {
	// os.ReadFile: openat, read, close through syscall.Syscall6's
	// callers (the register ABI: the number in AX).
	if len(os.Args) > 1 {
		b, err := os.ReadFile(os.Args[1])
		fmt.Println(len(b), err)
	}
	// net.Listen: socket, setsockopt, bind, listen, getsockname.
	if l, err := net.Listen("tcp", "127.0.0.1:0"); err == nil {
		l.Close()
	}
	// syscall.Getppid: rawSyscallNoError, an assembly stub of the stack
	// ABI0 (the number at 0(SP)).
	fmt.Println(syscall.Getppid())
	// A raw syscall.Syscall with a constant number.
	pid, _, _ := syscall.Syscall(syscall.SYS_GETPID, 0, 0, 0)
	fmt.Println(pid)
	// Request codes (req.go), only when asked.
	if os.Getenv("GOFX_REQ") != "" {
		requests()
	}
	// A number from the command line, only when given one.
	if len(os.Args) > 2 {
		n, _ := strconv.Atoi(os.Args[2])
		fmt.Println(rawNumber(uintptr(n)))
	}
}
