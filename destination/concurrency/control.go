package concurrency

import (
	"math"
	"time"
)

// Tuning of the AIMD controller; see the package documentation. The values
// follow Vector's defaults, except the decrease ratio, which is steeper
// because the remote API signals overload with 429s rather than latency.
const (
	ewmaAlpha      = 0.4  // weight of the newest window in the baseline
	deviationScale = 2.5  // standard deviations of RTT still treated as noise
	rttFlat        = 0.1  // relative RTT rise still treated as flat
	rttSlow        = 0.25 // relative RTT rise always treated as noise
	decreaseRatio  = 0.5  // multiplier applied on a decrease
)

// control is the AIMD state of a Limiter, guarded by the Limiter's mutex.
type control struct {
	baseline     ewma
	windowEnd    time.Time
	lastDecrease time.Time

	// Observations of the current window.
	rttSum       time.Duration
	rttCount     int
	backpressure bool
	reached      bool // in-flight attempts reached the limit
}

// observe folds one result into the window and returns the new limit.
func (c *control) observe(now time.Time, r Result, limit, maxLimit, inFlight int) int {
	if now.Add(-r.RTT).Before(c.lastDecrease) {
		return limit // started under a limit that has since been lowered
	}
	if r.Backpressure {
		c.backpressure = true
	} else if r.RTT > 0 {
		c.rttSum += r.RTT
		c.rttCount++
	}
	switch {
	case !c.baseline.ok:
		if c.backpressure {
			limit = c.decrease(now, limit)
		}
		if c.rttCount > 0 {
			c.baseline.update(c.mean())
		}
	case now.Before(c.windowEnd):
		return limit
	default:
		limit = c.decide(now, limit, maxLimit)
		if c.rttCount > 0 {
			c.baseline.update(c.mean())
		}
	}
	c.windowEnd = now.Add(time.Duration(c.baseline.mean))
	c.rttSum, c.rttCount, c.backpressure = 0, 0, false
	c.reached = inFlight >= limit
	return limit
}

// decide applies the AIMD rule at the end of a window.
func (c *control) decide(now time.Time, limit, maxLimit int) int {
	base := c.baseline.mean
	if c.backpressure {
		return c.decrease(now, limit)
	}
	if c.rttCount == 0 {
		return limit
	}
	cur := c.mean()
	if cur > base+max(rttSlow*base, deviationScale*math.Sqrt(c.baseline.variance)) {
		return c.decrease(now, limit)
	}
	if c.reached && cur <= base*(1+rttFlat) && limit < maxLimit {
		return limit + 1
	}
	return limit
}

// decrease lowers the limit multiplicatively, never below 1.
func (c *control) decrease(now time.Time, limit int) int {
	if limit <= 1 {
		return 1
	}
	c.lastDecrease = now
	return max(1, min(limit-1, int(float64(limit)*decreaseRatio)))
}

// mean returns the mean RTT of the window in nanoseconds; rttCount > 0.
func (c *control) mean() float64 {
	return float64(c.rttSum) / float64(c.rttCount)
}

// ewma is an exponentially weighted moving average with variance, in
// nanoseconds.
type ewma struct {
	ok             bool
	mean, variance float64
}

func (e *ewma) update(x float64) {
	if !e.ok {
		e.ok, e.mean, e.variance = true, x, 0
		return
	}
	diff := x - e.mean
	incr := ewmaAlpha * diff
	e.mean += incr
	e.variance = (1 - ewmaAlpha) * (e.variance + diff*incr)
}
