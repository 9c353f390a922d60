// Request codes through Go's syscall stubs (tests/scan/syscalls-go.sh,
// issue 17): ioctl, fcntl and prctl with constant requests, called as
// golang.org/x/sys/unix does (not packaged offline: its ioctlPtr and
// IoctlGetTermios are written here the same way), and one request that is
// no constant. Run only when GOFX_REQ is set.
package main

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

// ioctlPtr passes its caller's request on, as x/sys/unix's does: a
// wrapper, whose callers' requests count.
//
//go:noinline
func ioctlPtr(fd int, req uint, arg unsafe.Pointer) error {
	_, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), uintptr(req), uintptr(arg))
	if e != 0 {
		return e
	}
	return nil
}

// ioctlGetTermios wraps the wrapper, as x/sys/unix's IoctlGetTermios.
//
//go:noinline
func ioctlGetTermios(fd int, req uint) (*syscall.Termios, error) {
	var t syscall.Termios
	err := ioctlPtr(fd, req, unsafe.Pointer(&t))
	return &t, err
}

// ioctlWinsize: TIOCGWINSZ through the wrapper of the wrapper's caller.
//
//go:noinline
func ioctlWinsize(fd int) error {
	var ws [4]uint16
	return ioctlPtr(fd, syscall.TIOCGWINSZ, unsafe.Pointer(&ws))
}

func requests() {
	// TCGETS directly: syscall.Syscall(SYS_IOCTL, fd, TCGETS, ptr).
	var t syscall.Termios
	_, _, e := syscall.Syscall(syscall.SYS_IOCTL, 0, syscall.TCGETS, uintptr(unsafe.Pointer(&t)))
	fmt.Println("TCGETS", e)
	// TCGETS again, through the wrappers.
	_, err := ioctlGetTermios(1, syscall.TCGETS)
	fmt.Println("ioctlGetTermios", err)
	fmt.Println("TIOCGWINSZ", ioctlWinsize(2))
	// fcntl(0, F_GETFD) through RawSyscall.
	r, _, _ := syscall.RawSyscall(syscall.SYS_FCNTL, 0, syscall.F_GETFD, 0)
	fmt.Println("F_GETFD", r)
	// prctl(PR_GET_DUMPABLE): the request is the first argument after the
	// number.
	r, _, _ = syscall.RawSyscall6(syscall.SYS_PRCTL, syscall.PR_GET_DUMPABLE, 0, 0, 0, 0, 0)
	fmt.Println("PR_GET_DUMPABLE", r)
	// A request from the environment: no constant, unknown.
	n := uintptr(len(os.Getenv("GOFX_REQ")))
	_, _, e = syscall.Syscall(syscall.SYS_IOCTL, 0, 0x5400+n, 0)
	fmt.Println("variable", e)
}
