package loadgen

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"giftsim/results"
)

// MaxExprLen bounds the length of a threshold expression.
const MaxExprLen = 1024

// maxExprDepth bounds the nesting of a threshold expression.
const maxExprDepth = 64

// ErrExpr marks every threshold expression error, for errors.Is.
var ErrExpr = errors.New("threshold expression")

// ExprError is a problem in a threshold expression at byte offset Pos.
type ExprError struct {
	Expr string // Expr is the expression as written.
	Pos  int    // Pos is the 0-based byte offset of the problem.
	Msg  string // Msg says what is wrong and what is allowed.
}

// Error formats the message with the column (1-based) of the problem.
func (e *ExprError) Error() string {
	return fmt.Sprintf("col %d: %s", e.Pos+1, e.Msg)
}

// Unwrap returns ErrExpr.
func (e *ExprError) Unwrap() error { return ErrExpr }

// dim is the dimension of a value: a plain number or a time.
type dim uint8

const (
	dimNumber dim = iota
	dimTime
	dimBool
)

func (d dim) String() string {
	switch d {
	case dimTime:
		return "a duration"
	case dimBool:
		return "a condition"
	}
	return "a number"
}

// Threshold is a parsed pass/fail check such as "latency.p99 < 50ms" or
// "sends.accepted == 50000 && codes.5xx == 0". Durations are written with a
// unit (ns, us, ms, s, m, h) and compared only with durations; a trailing %
// divides a number by 100. Metrics are named as MetricNames describes.
type Threshold struct {
	root node
}

// node is one node of an expression tree.
type node interface {
	dim() dim
	// format appends the node; prec is the binding power of the context.
	format(b *strings.Builder, prec int)
}

type (
	numNode struct {
		v    float64 // v is the value in base units (seconds for time).
		text string  // text is the literal as it is printed back.
		d    dim
	}
	metricNode struct {
		name string
		d    dim
	}
	negNode struct{ x node }
	notNode struct{ x node }
	binNode struct {
		op   string
		l, r node
		d    dim
	}
)

func (n *numNode) dim() dim    { return n.d }
func (n *metricNode) dim() dim { return n.d }
func (n *negNode) dim() dim    { return n.x.dim() }
func (n *notNode) dim() dim    { return dimBool }
func (n *binNode) dim() dim    { return n.d }

// Binding powers, loosest first.
const (
	precOr = iota + 1
	precAnd
	precCmp
	precAdd
	precMul
	precUnary
)

func opPrec(op string) int {
	switch op {
	case "||":
		return precOr
	case "&&":
		return precAnd
	case "==", "!=", "<", "<=", ">", ">=":
		return precCmp
	case "+", "-":
		return precAdd
	case "*", "/":
		return precMul
	}
	return 0
}

func (n *numNode) format(b *strings.Builder, _ int)    { b.WriteString(n.text) }
func (n *metricNode) format(b *strings.Builder, _ int) { b.WriteString(n.name) }

func (n *negNode) format(b *strings.Builder, prec int) {
	b.WriteByte('-')
	n.x.format(b, precUnary)
}

func (n *notNode) format(b *strings.Builder, prec int) {
	b.WriteByte('!')
	n.x.format(b, precUnary)
}

func (n *binNode) format(b *strings.Builder, prec int) {
	p := opPrec(n.op)
	paren := p < prec
	if paren {
		b.WriteByte('(')
	}
	n.l.format(b, p)
	b.WriteString(" " + n.op + " ")
	// Operators associate to the left, and comparisons do not chain, so the
	// right operand needs parentheses at equal binding power.
	n.r.format(b, p+1)
	if paren {
		b.WriteByte(')')
	}
}

// ParseThreshold parses a threshold expression. It must be a condition:
// comparisons joined by && and ||, e.g. "rate.achieved >= 0.95 *
// rate.target". Every metric name is checked against the metrics the
// driver measures.
func ParseThreshold(s string) (*Threshold, error) {
	if len(s) > MaxExprLen {
		return nil, &ExprError{Expr: s, Pos: MaxExprLen, Msg: fmt.Sprintf("expression is longer than %d bytes", MaxExprLen)}
	}
	p := &exprParser{src: s}
	p.next()
	n := p.expr(0)
	if p.err == nil && p.tok.kind != tokEOF {
		p.fail(p.tok.pos, "unexpected %s; want an operator (&& || == != < <= > >= + - * /) or the end", p.tok.describe())
	}
	if p.err == nil && n.dim() != dimBool {
		p.fail(0, "expression is %s, want a condition such as %q", n.dim(), "latency.p99 < 50ms")
	}
	if p.err != nil {
		return nil, p.err
	}
	return &Threshold{root: n}, nil
}

// MustParseThreshold is ParseThreshold for expressions known to be valid; it
// panics on an error.
func MustParseThreshold(s string) *Threshold {
	t, err := ParseThreshold(s)
	if err != nil {
		panic(err)
	}
	return t
}

// String returns the expression in canonical form: single spaces around
// operators and only the parentheses it needs.
func (t *Threshold) String() string {
	var b strings.Builder
	t.root.format(&b, 0)
	return b.String()
}

// Metrics returns the metric names the expression reads, in order of
// appearance, without repeats.
func (t *Threshold) Metrics() []string {
	var out []string
	var walk func(n node)
	walk = func(n node) {
		switch n := n.(type) {
		case *metricNode:
			for _, m := range out {
				if m == n.name {
					return
				}
			}
			out = append(out, n.name)
		case *negNode:
			walk(n.x)
		case *notNode:
			walk(n.x)
		case *binNode:
			walk(n.l)
			walk(n.r)
		}
	}
	walk(t.root)
	return out
}

// MetricFunc returns the value of a named metric in base units (seconds for
// durations, requests per second for rates); ok is false when the metric is
// not available for the results at hand.
type MetricFunc func(name string) (v float64, ok bool)

// Eval judges the threshold against the metrics m. observed shows the
// left-hand side of each comparison with its measured value, e.g.
// "latency.p99 = 3.2ms". An unavailable metric is an error.
func (t *Threshold) Eval(m MetricFunc) (pass bool, observed string, err error) {
	e := evaluator{m: m}
	v := e.eval(t.root)
	return v != 0 && !math.IsNaN(v), strings.Join(e.observed, "; "), e.err
}

type evaluator struct {
	m        MetricFunc
	observed []string
	err      error
}

func (e *evaluator) eval(n node) float64 {
	switch n := n.(type) {
	case *numNode:
		return n.v
	case *metricNode:
		v, ok := e.m(n.name)
		if !ok && e.err == nil {
			e.err = fmt.Errorf("%w: metric %s is not available for these results", ErrExpr, n.name)
		}
		if !ok {
			return math.NaN()
		}
		return v
	case *negNode:
		return -e.eval(n.x)
	case *notNode:
		return boolVal(e.eval(n.x) == 0)
	case *binNode:
		switch n.op {
		case "&&":
			l, r := e.eval(n.l), e.eval(n.r) // both sides, so every value is observed
			return boolVal(l != 0 && r != 0)
		case "||":
			l, r := e.eval(n.l), e.eval(n.r)
			return boolVal(l != 0 || r != 0)
		}
		l, r := e.eval(n.l), e.eval(n.r)
		switch n.op {
		case "+":
			return l + r
		case "-":
			return l - r
		case "*":
			return l * r
		case "/":
			return l / r
		}
		if _, literal := n.l.(*numNode); !literal {
			var b strings.Builder
			n.l.format(&b, precAdd)
			b.WriteString(" = " + formatValue(l, n.l.dim()))
			e.observed = append(e.observed, b.String())
		}
		switch n.op {
		case "==":
			return boolVal(l == r)
		case "!=":
			return boolVal(l != r)
		case "<":
			return boolVal(l < r)
		case "<=":
			return boolVal(l <= r)
		case ">":
			return boolVal(l > r)
		case ">=":
			return boolVal(l >= r)
		}
	}
	return math.NaN()
}

func boolVal(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// formatValue shows a measured value: durations in the unit that suits
// them, whole numbers without decimals, others with up to four significant
// digits.
func formatValue(v float64, d dim) string {
	if d == dimTime {
		return results.FormatSeconds(v)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// Lexer.

type tokKind uint8

const (
	tokEOF tokKind = iota
	tokNum
	tokIdent
	tokOp
	tokLParen
	tokRParen
)

type token struct {
	kind tokKind
	pos  int
	text string
	num  int // num is the length of a number's digits before its unit.
}

func (t token) describe() string {
	switch t.kind {
	case tokEOF:
		return "end of expression"
	case tokNum:
		return "number " + strconv.Quote(t.text)
	case tokIdent:
		return "name " + strconv.Quote(t.text)
	}
	return strconv.Quote(t.text)
}

type exprParser struct {
	src   string
	pos   int
	tok   token
	err   error
	depth int
}

func (p *exprParser) fail(pos int, format string, a ...any) {
	if p.err == nil {
		p.err = &ExprError{Expr: p.src, Pos: pos, Msg: fmt.Sprintf(format, a...)}
	}
	p.tok = token{kind: tokEOF, pos: len(p.src)}
}

func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isIdentPart(c byte) bool  { return isIdentStart(c) || isDigit(c) }

// next reads the next token into p.tok.
func (p *exprParser) next() {
	if p.err != nil {
		return
	}
	s := p.src
	for p.pos < len(s) && (s[p.pos] == ' ' || s[p.pos] == '\t') {
		p.pos++
	}
	start := p.pos
	if p.pos >= len(s) {
		p.tok = token{kind: tokEOF, pos: start}
		return
	}
	c := s[p.pos]
	switch {
	case isDigit(c) || c == '.' && p.pos+1 < len(s) && isDigit(s[p.pos+1]):
		p.lexNumber()
		return
	case isIdentStart(c):
		for p.pos++; p.pos < len(s); p.pos++ {
			if !isIdentPart(s[p.pos]) && (s[p.pos] != '.' || p.pos+1 >= len(s) || !isIdentPart(s[p.pos+1])) {
				break
			}
		}
		text := s[start:p.pos]
		switch text {
		case "and":
			p.tok = token{kind: tokOp, pos: start, text: "&&"}
		case "or":
			p.tok = token{kind: tokOp, pos: start, text: "||"}
		case "not":
			p.tok = token{kind: tokOp, pos: start, text: "!"}
		default:
			p.tok = token{kind: tokIdent, pos: start, text: text}
		}
		return
	case c == '(':
		p.pos++
		p.tok = token{kind: tokLParen, pos: start, text: "("}
		return
	case c == ')':
		p.pos++
		p.tok = token{kind: tokRParen, pos: start, text: ")"}
		return
	}
	for _, op := range []string{"&&", "||", "==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "!"} {
		if strings.HasPrefix(s[p.pos:], op) {
			p.pos += len(op)
			p.tok = token{kind: tokOp, pos: start, text: op}
			return
		}
	}
	if c == '=' {
		p.fail(start, "unexpected \"=\"; write == to compare")
		return
	}
	p.fail(start, "unexpected character %q", rune(s[p.pos]))
}

// lexNumber reads a number with an optional unit or %.
func (p *exprParser) lexNumber() {
	s := p.src
	start := p.pos
	for p.pos < len(s) && (isDigit(s[p.pos]) || s[p.pos] == '_' || s[p.pos] == '.') {
		p.pos++
	}
	if p.pos < len(s) && (s[p.pos] == 'e' || s[p.pos] == 'E') {
		q := p.pos + 1
		if q < len(s) && (s[q] == '+' || s[q] == '-') {
			q++
		}
		if q < len(s) && isDigit(s[q]) {
			for p.pos = q; p.pos < len(s) && isDigit(s[p.pos]); p.pos++ {
			}
		}
	}
	num := p.pos - start
	if p.pos < len(s) && s[p.pos] == '%' {
		p.pos++
	} else {
		for p.pos < len(s) && (isIdentPart(s[p.pos]) || s[p.pos] == 0xc2 || s[p.pos] == 0xb5) {
			p.pos++
		}
	}
	p.tok = token{kind: tokNum, pos: start, text: s[start:p.pos], num: num}
}

// expr parses operators binding at least as tightly as minPrec (precedence
// climbing).
func (p *exprParser) expr(minPrec int) node {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxExprDepth {
		p.fail(p.tok.pos, "expression is nested more than %d deep", maxExprDepth)
		return &numNode{text: "0"}
	}
	l := p.unary()
	for p.err == nil && p.tok.kind == tokOp {
		op := p.tok.text
		prec := opPrec(op)
		if prec == 0 || prec < minPrec {
			break
		}
		pos := p.tok.pos
		p.next()
		r := p.expr(prec + 1)
		if p.err != nil {
			break
		}
		l = p.combine(op, pos, l, r)
		if prec == precCmp && p.tok.kind == tokOp && opPrec(p.tok.text) == precCmp {
			p.fail(p.tok.pos, "comparisons do not chain; join them with &&")
		}
	}
	return l
}

// combine type-checks one binary operation.
func (p *exprParser) combine(op string, pos int, l, r node) node {
	ld, rd := l.dim(), r.dim()
	out := &binNode{op: op, l: l, r: r}
	switch opPrec(op) {
	case precOr, precAnd:
		if ld != dimBool || rd != dimBool {
			p.fail(pos, "%s joins conditions, got %s and %s", op, ld, rd)
		}
		out.d = dimBool
	case precCmp:
		switch {
		case ld == dimBool || rd == dimBool:
			p.fail(pos, "%s compares values, not conditions", op)
		case ld != rd:
			p.fail(pos, "%s compares %s with %s; give both a unit (e.g. 50ms) or neither", op, ld, rd)
		}
		out.d = dimBool
	default:
		if ld == dimBool || rd == dimBool {
			p.fail(pos, "%s needs values, not conditions", op)
			return out
		}
		switch op {
		case "+", "-":
			if ld != rd {
				p.fail(pos, "%s adds %s to %s", op, ld, rd)
			}
			out.d = ld
		case "*":
			if ld == dimTime && rd == dimTime {
				p.fail(pos, "* multiplies two durations")
			}
			out.d = max(ld, rd)
		case "/":
			switch {
			case ld == rd:
				out.d = dimNumber
			case rd == dimTime:
				p.fail(pos, "/ divides a number by a duration")
			default:
				out.d = ld
			}
		}
	}
	return out
}

func (p *exprParser) unary() node {
	if p.err != nil {
		return &numNode{text: "0"}
	}
	t := p.tok
	switch t.kind {
	case tokOp:
		switch t.text {
		case "-":
			p.next()
			p.depth++
			x := p.unary()
			p.depth--
			if x.dim() == dimBool {
				p.fail(t.pos, "- needs a value, not a condition")
			}
			return &negNode{x: x}
		case "!":
			p.next()
			p.depth++
			x := p.unary()
			p.depth--
			if x.dim() != dimBool {
				p.fail(t.pos, "! needs a condition, got %s", x.dim())
			}
			return &notNode{x: x}
		}
	case tokLParen:
		p.next()
		x := p.expr(0)
		if p.err == nil && p.tok.kind != tokRParen {
			p.fail(p.tok.pos, "unexpected %s; want \")\" to close the \"(\" at col %d", p.tok.describe(), t.pos+1)
		}
		p.next()
		return x
	case tokNum:
		p.next()
		return p.number(t)
	case tokIdent:
		p.next()
		d, err := metricDim(t.text)
		if err != nil {
			p.fail(t.pos, "%v", err)
		}
		return &metricNode{name: t.text, d: d}
	}
	p.fail(t.pos, "unexpected %s; want a number, a metric such as latency.p99, \"(\", - or !", t.describe())
	return &numNode{text: "0"}
}

// timeUnits maps duration units to seconds.
var timeUnits = map[string]float64{"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}

func (p *exprParser) number(t token) node {
	text := t.text
	digits, unit := text[:t.num], text[t.num:]
	if strings.HasPrefix(digits, "_") || strings.HasSuffix(digits, "_") || strings.Contains(digits, "__") ||
		strings.Contains(digits, "._") || strings.Contains(digits, "_.") {
		p.fail(t.pos, "misplaced _ in number %q", text)
		return &numNode{text: "0"}
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(digits, "_", ""), 64)
	if err != nil || math.IsInf(v, 0) {
		p.fail(t.pos, "malformed number %q", text)
		return &numNode{text: "0"}
	}
	n := &numNode{v: v, text: strconv.FormatFloat(v, 'g', -1, 64)}
	switch {
	case unit == "":
	case unit == "%":
		n.v = v / 100
		n.text += "%"
	default:
		f, ok := timeUnits[unit]
		if !ok {
			p.fail(t.pos+len(digits), "unknown unit %q after %s (allowed: ns, us, ms, s, m, h, %%)", unit, digits)
			return n
		}
		n.v, n.d = v*f, dimTime
		if unit == "µs" {
			unit = "us"
		}
		n.text += unit
	}
	return n
}
