package partition

import "sync"

// watchers wakes parked requests (a fetch waiting for min.bytes, a produce
// waiting for acks=all) when the partition's readable offsets move. A
// waiter registers a channel with capacity one; a wake-up never blocks and
// never queues more than one signal, so a slow waiter costs nothing.
type watchers struct {
	mu   sync.Mutex
	next int
	set  map[int]chan<- struct{}
}

// Watch registers ch to be signalled on every change until the returned
// cancel is called.
func (w *watchers) Watch(ch chan<- struct{}) (cancel func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.set == nil {
		w.set = make(map[int]chan<- struct{})
	}
	id := w.next
	w.next++
	w.set[id] = ch
	return func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		delete(w.set, id)
	}
}

func (w *watchers) wake() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, ch := range w.set {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}
