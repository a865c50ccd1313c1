package broker

// InjectFaultWatched is InjectFault that also returns left, which
// reports whether the fault is still in force and, for a fault with
// Times, how many more requests it applies to (0 for a fault without
// Times). A fault is no longer in force once removed or used up; the
// HTTP control plane lists its faults this way.
func (c *Cluster) InjectFaultWatched(f Fault) (remove func(), left func() (n int, active bool)) {
	af := &activeFault{Fault: f, left: -1}
	if f.Times > 0 {
		af.left = f.Times
	}
	fs := &c.faults
	fs.mu.Lock()
	fs.faults = append(fs.faults, af)
	fs.mu.Unlock()
	remove = func() {
		fs.mu.Lock()
		defer fs.mu.Unlock()
		fs.faults = removeFirst(fs.faults, af)
	}
	left = func() (int, bool) {
		fs.mu.Lock()
		defer fs.mu.Unlock()
		for _, x := range fs.faults {
			if x == af {
				return max(af.left, 0), true
			}
		}
		return 0, false
	}
	return remove, left
}
