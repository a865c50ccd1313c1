//go:build unix && !linux

package kafkaref

import "syscall"

func setParentDeathSignal(*syscall.SysProcAttr) {}
