package kafkaref

import "syscall"

// setParentDeathSignal makes the kernel kill the JVM if the test binary
// dies without running its cleanup (a timeout panic, a kill -9).
func setParentDeathSignal(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
