package sim

import (
	"math"
	"math/rand/v2"
)

// Purposes of random streams. Each (seed, replication, purpose, entity)
// has its own PCG stream, so arms of an experiment draw the same numbers for
// the same decision (common random numbers) and a change in one part of the
// model does not shift the draws of another.
const (
	purposeGraph uint64 = iota + 1
	purposePopulation
	purposeExposure
	purposeCoupon
	purposeIdentity
	purposeReport
	purposeIntent
	purposeUser
)

// gammaDraw returns a gamma variate with shape k and scale 1 (Marsaglia and
// Tsang, 2000; for k < 1 the boost Gamma(k+1)·U^(1/k)).
func gammaDraw(r *rand.Rand, k float64) float64 {
	if k < 1 {
		return gammaDraw(r, k+1) * math.Pow(r.Float64(), 1/k)
	}
	d := k - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := r.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := r.Float64()
		if u < 1-0.0331*x*x*x*x || math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}

// splitmix64 is a fast 64-bit mixer (Steele et al., 2014) used to turn
// structured keys into well-spread PCG seeds.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// streamKey is the first PCG seed word for (seed, replication, purpose).
func streamKey(seed uint64, rep int, purpose uint64) uint64 {
	return splitmix64(splitmix64(seed^0x6a09e667f3bcc909) ^ splitmix64(uint64(rep)<<8|purpose))
}

// stream is a reusable generator that is reseeded for each entity and step;
// reseeding costs two stores, so per-decision streams are cheap.
type stream struct {
	key uint64
	src rand.PCG
	r   *rand.Rand
}

func newStream(seed uint64, rep int, purpose uint64) *stream {
	s := &stream{key: streamKey(seed, rep, purpose)}
	s.r = rand.New(&s.src)
	return s
}

// at reseeds the stream for (entity, step) and returns its generator.
func (s *stream) at(entity, step uint64) *rand.Rand {
	s.src.Seed(s.key, splitmix64(entity<<20^step))
	return s.r
}

// whole returns a generator seeded for the purpose as a whole.
func (s *stream) whole() *rand.Rand {
	s.src.Seed(s.key, 0x5851f42d4c957f2d)
	return s.r
}
