package sim

import (
	"math"
	"math/rand/v2"
)

// Purposes of random streams. Each (seed, replication, purpose, entity)
// has its own PCG stream, so arms of an experiment draw the same numbers for
// the same decision (common random numbers) and a change in one part of the
// model does not shift the draws of another.
//
// Entities are people and what happens to them, never a position in an
// arm's sequence of events, so arms that issue different coupon sequences
// stay paired:
//   - purposeExposure picks whom the k-th send of a push on a day reaches,
//     and purposeResponse how they respond (unfollowing, interest, when they
//     claim), both keyed by (push, day, k): arms that differ in the push's
//     time, channel or sends reach the same users at the same sends, or
//     different users with the same uniforms;
//   - purposeCoupon and purposeReport draw a coupon's decisions, keyed by
//     couponKey (the user it was issued to and which of their issues it
//     was) with a tag for the decision and the transfer count or lifecycle
//     generation, so the same user's k-th coupon draws the same numbers in
//     every arm whatever other users' coupons came before it.
const (
	purposeGraph uint64 = iota + 1
	purposePopulation
	purposeExposure
	purposeCoupon
	purposeIdentity
	purposeReport
	purposeIntent
	purposeUser
	purposeResponse
)

// Tags of a coupon's decisions for stream.keyed: each draws from its own
// stream, so the number of draws one takes never shifts another's. The step
// is the transfer count for tagHolder, tagRedeem and tagInquiry (one draw
// per holder), 0 for tagRecover, and the lifecycle generation for the rest.
const (
	tagHolder      uint64 = iota + 1 // the holder's intents: trip, impulse, gift, plan
	tagNatural                       // the natural-visit time
	tagNaturalCued                   // the natural-visit time after a reminder
	tagTrip                          // the soon-trip time
	tagTripCued                      // the soon-trip time after a reminder
	tagPlanned                       // the planned trip's opportunity
	tagLabel                         // the labelled soon trip
	tagTrial                         // the trial occasion
	tagImpulse                       // the impulse purchase
	tagNearby                        // the walk-in near the store
	tagGiftAt                        // when the holder gifts
	tagFriend                        // which friends the holder considers
	tagAnswer                        // the recipient's answer and its time
	tagRedeem                        // the spend, retention and report delay
	tagRecover                       // whether the merchant recovers it
	tagInquiry                       // whether a claim leads to an inquiry
)

// couponKey identifies a coupon across arms: user u's issue ord (their
// attempts to be issued coupons, counted from 0) and the sub-coupon sub of
// a combo. ord wraps at 2^24, which only makes one user's far-apart coupons
// share draws.
func couponKey(u int32, ord uint32, sub uint8) uint64 {
	return uint64(uint32(u))<<32 | uint64(ord&(1<<24-1))<<8 | uint64(sub)
}

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
// reseeding costs two stores, so per-decision streams are cheap. Every at or
// keyed reseeds the one generator, so the one it returned before draws from
// the new seed: take a decision's numbers before reseeding for the next.
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

// keyed reseeds the stream for a 64-bit entity key, a tag and a 32-bit
// step; the key is hashed whole, so it may use all 64 bits.
func (s *stream) keyed(key, tag, step uint64) *rand.Rand {
	s.src.Seed(s.key, splitmix64(splitmix64(key)^(tag<<32|step&(1<<32-1))))
	return s.r
}

// whole returns a generator seeded for the purpose as a whole.
func (s *stream) whole() *rand.Rand {
	s.src.Seed(s.key, 0x5851f42d4c957f2d)
	return s.r
}
