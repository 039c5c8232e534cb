package checkpoint

// ring is a FIFO queue backed by a power-of-two circular buffer. The zero
// value is an empty queue. It grows by doubling and never shrinks, so a queue
// that has reached its working-set size stops allocating.
type ring[T any] struct {
	buf  []T
	head int // index of the front element in buf
	n    int // number of elements
}

// len returns the number of queued elements.
func (r *ring[T]) len() int { return r.n }

// push appends v at the back.
func (r *ring[T]) push(v T) {
	if r.n == len(r.buf) {
		r.grow()
	}
	r.buf[(r.head+r.n)&(len(r.buf)-1)] = v
	r.n++
}

// at returns a pointer to the i-th element from the front; 0 <= i < len().
func (r *ring[T]) at(i int) *T {
	return &r.buf[(r.head+i)&(len(r.buf)-1)]
}

// front returns a pointer to the front element; the queue must not be empty.
func (r *ring[T]) front() *T { return r.at(0) }

// pop removes the front element, zeroing its slot so that it no longer keeps
// anything alive.
func (r *ring[T]) pop() {
	var zero T
	r.buf[r.head] = zero
	r.head = (r.head + 1) & (len(r.buf) - 1)
	r.n--
}

func (r *ring[T]) grow() {
	size := 2 * len(r.buf)
	if size == 0 {
		size = 4
	}
	buf := make([]T, size)
	for i := range r.n {
		buf[i] = *r.at(i)
	}
	r.buf, r.head = buf, 0
}
