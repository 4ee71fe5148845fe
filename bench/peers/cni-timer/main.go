// cni-timer: stands in a runtime's CNI plugin directory for one plugin, runs the real one with the
// same arguments, environment, stdin and stdout, and appends "COMMAND MILLISECONDS STATUS" to a log,
// so that a benchmark can see each call a runtime makes (Podman: VERSION, ADD, VERSION, DEL) and
// what it cost, process start included. Our code; built by the benchmark run (bench/podman.ts).
//
// Installed as DIR/NAME (a symlink to this program), it runs DIR/NAME.real and logs to
// DIR/cni-calls.log: no environment variable, since a runtime's cleanup process (Podman's DEL)
// does not pass the caller's environment on.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

func main() {
	real := os.Args[0] + ".real"
	log := filepath.Join(filepath.Dir(os.Args[0]), "cni-calls.log")
	cmd := exec.Command(real, os.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	t0 := time.Now()
	err := cmd.Run()
	ms := float64(time.Since(t0).Nanoseconds()) / 1e6
	status := 0
	if exit, ok := err.(*exec.ExitError); ok {
		status = exit.ExitCode()
	} else if err != nil {
		fmt.Fprintf(os.Stderr, "cni-timer: %v\n", err)
		status = 1
	}
	if f, ferr := os.OpenFile(log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); ferr == nil {
		fmt.Fprintf(f, "%s %.3f %d\n", os.Getenv("CNI_COMMAND"), ms, status)
		f.Close()
	}
	os.Exit(status)
}
