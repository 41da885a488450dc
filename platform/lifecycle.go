package platform

import "fmt"

// State is where a coupon is in its life. Every coupon is in exactly one
// state at a time.
type State uint8

// The coupon states.
const (
	StateIssued    State = iota + 1 // issued to its first holder, usable
	StateOffered                    // gifted, waiting up to 48 h for the recipient (R9)
	StateClaimed                    // claimed by the recipient, usable
	StateReturned                   // unclaimed after 48 h, back with the sender (R9)
	StateRefused                    // refused by the recipient, back with the sender (R15)
	StateRedeemed                   // used; final
	StateExpired                    // validity ended (momentary, then recycled)
	StateRecycled                   // in the recycle bin for 30 days (R14)
	StateRecovered                  // revived from the bin for a 1% fee (R14), usable
	StatePurged                     // left the bin unrecovered; final
	numStates
)

// NumStates is one more than the largest State, for arrays indexed by state.
const NumStates = int(numStates)

var stateNames = []string{"", "issued", "offered", "claimed", "returned", "refused", "redeemed", "expired", "recycled", "recovered", "purged"}

// String returns the state's name.
func (s State) String() string { return enumString(stateNames, uint8(s)) }

// States lists every state in order.
func States() []State {
	out := make([]State, 0, NumStates-1)
	for s := StateIssued; s < numStates; s++ {
		out = append(out, s)
	}
	return out
}

// Usable reports whether a holder can redeem or gift a coupon in s.
func (s State) Usable() bool {
	return s == StateIssued || s == StateClaimed || s == StateReturned || s == StateRefused || s == StateRecovered
}

// Final reports whether s is an end state.
func (s State) Final() bool { return s == StateRedeemed || s == StatePurged }

// Event is something that moves a coupon from one state to another.
type Event uint8

// The lifecycle events.
const (
	EventGift    Event = iota + 1 // the holder offers it to a friend
	EventClaim                    // the recipient claims it within 48 h (R9)
	EventRefuse                   // the recipient refuses it (R15)
	EventReturn                   // 48 h pass unclaimed; back to the sender (R9)
	EventRedeem                   // the holder redeems it
	EventExpire                   // its validity ends
	EventRecycle                  // it enters the recycle bin (R14)
	EventRecover                  // the merchant revives it for 1% of face (R14)
	EventPurge                    // 30 days in the bin pass (R14)
	numEvents
)

var eventNames = []string{"", "gift", "claim", "refuse", "return", "redeem", "expire", "recycle", "recover", "purge"}

// String returns the event's name.
func (e Event) String() string { return enumString(eventNames, uint8(e)) }

// eventRule names the rule that governs each event, for error messages.
var eventRule = [numEvents]string{"", "R8", "R9", "R15", "R9", "R2", "R14", "R14", "R14", "R14"}

// transitions is the state machine: transitions[from][event] is the next
// state, or 0 where the event is illegal in that state. It is read-only.
var transitions = func() (t [numStates][numEvents]State) {
	for _, s := range []State{StateIssued, StateClaimed, StateReturned, StateRefused, StateRecovered} {
		t[s][EventGift] = StateOffered
		t[s][EventRedeem] = StateRedeemed
		t[s][EventExpire] = StateExpired
	}
	t[StateOffered][EventClaim] = StateClaimed
	t[StateOffered][EventRefuse] = StateRefused
	t[StateOffered][EventReturn] = StateReturned
	t[StateOffered][EventExpire] = StateExpired
	t[StateExpired][EventRecycle] = StateRecycled
	t[StateRecycled][EventRecover] = StateRecovered
	t[StateRecycled][EventPurge] = StatePurged
	return t
}()

// TransitionError is an illegal transition; it unwraps to ErrIllegalState
// and names the rule that governs the event.
type TransitionError struct {
	From  State
	Event Event
}

// Error says which event is illegal in which state and why.
func (e *TransitionError) Error() string {
	return fmt.Sprintf("%s: %v: cannot %s a coupon that is %s", e.Rule(), ErrIllegalState, e.Event, e.From)
}

// Rule is the DOMAIN.md id of the rule governing the event.
func (e *TransitionError) Rule() string {
	if e.Event > 0 && e.Event < numEvents {
		return eventRule[e.Event]
	}
	return "R9"
}

// Unwrap returns ErrIllegalState.
func (e *TransitionError) Unwrap() error { return ErrIllegalState }

// Next returns the state a coupon in s moves to on e, or a *TransitionError
// if the lifecycle does not allow it.
func Next(s State, e Event) (State, error) {
	if s < numStates && e < numEvents {
		if n := transitions[s][e]; n != 0 {
			return n, nil
		}
	}
	return s, &TransitionError{From: s, Event: e}
}
