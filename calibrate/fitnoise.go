package calibrate

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// fitNoiseStream keys the draws that spread an ensemble by its fit's noise.
const fitNoiseStream = 0x6669746e6f697365 // "fitnoise"

// FitNoiseCov is the covariance of the fitted parameters' logs that the
// simulation noise of the calibration's own runs causes, by the delta
// method on the linearised posterior: a noise ε in the targets moves the
// posterior's mode by P⁻¹·k·Jₛᵀ·(ε/tol), so
//
//	C = P⁻¹ · k² Jₛᵀ D Jₛ · P⁻¹,  D = diag((SEᵢ/tolᵢ)²),
//
// with P the linearised posterior's precision (laplacePrecision), Jₛ the
// tolerance-scaled Jacobian projected on what the targets see, k =
// kernelPrecision, and SEᵢ target i's standard error at the calibration's
// settings (from its 95% interval in fs). Two calibrations that differ only
// in their seed have modes about √2 of this apart; the ensemble, drawn
// under one seed's numbers, does not contain it.
func FitNoiseCov(id *Identification, params []Param, fs []Fitted) (*mat.SymDense, error) {
	n := len(params)
	if id.J == nil {
		return nil, fmt.Errorf("calibrate: no Jacobian to propagate the fit's noise")
	}
	rows, cols := id.J.Dims()
	if cols != n || rows != len(fs) {
		return nil, fmt.Errorf("calibrate: Jacobian is %d×%d for %d targets and %d parameters", rows, cols, len(fs), n)
	}
	proj := mat.NewDense(n, n, nil)
	for _, v := range id.Seen {
		vv := mat.NewVecDense(n, v)
		var outer mat.Dense
		outer.Outer(1, vv, vv)
		proj.Add(proj, &outer)
	}
	var js mat.Dense
	js.Mul(id.J, proj)
	d := mat.NewDiagDense(rows, nil)
	for i, f := range fs {
		se := (f.High - f.Low) / (2 * 1.959964)
		if !(se > 0) || !(f.Tol > 0) {
			continue
		}
		d.SetDiag(i, kernelPrecision*kernelPrecision*(se/f.Tol)*(se/f.Tol))
	}
	var mid, jd mat.Dense
	jd.Mul(js.T(), d)
	mid.Mul(&jd, &js)
	var pc mat.Cholesky
	if !pc.Factorize(laplacePrecision(id, params)) {
		return nil, fmt.Errorf("calibrate: the linearised posterior's precision is not positive definite")
	}
	var pinv mat.SymDense
	if err := pc.InverseTo(&pinv); err != nil {
		return nil, fmt.Errorf("calibrate: linearised posterior: %w", err)
	}
	var left, c mat.Dense
	left.Mul(&pinv, &mid)
	c.Mul(&left, &pinv)
	cov := mat.NewSymDense(n, nil)
	for a := range n {
		for b := a; b < n; b++ {
			cov.SetSym(a, b, (c.At(a, b)+c.At(b, a))/2)
		}
	}
	return cov, nil
}

// spreadByFitNoise moves every member's log parameters by an independent
// draw from N(0, cov), within the fitting bounds, so the ensemble carries
// the fit's own noise beside what the targets leave open. Draws are keyed
// by seed and member.
func spreadByFitNoise(members []map[string]float64, params []Param, cov *mat.SymDense, seed uint64) error {
	n := len(params)
	// A semi-definite covariance (directions the targets do not see add
	// nothing) factors by its eigen-decomposition: L = V·√Λ.
	var eig mat.EigenSym
	if !eig.Factorize(cov, true) {
		return fmt.Errorf("calibrate: the fit's noise covariance does not factor")
	}
	vals := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	for m, set := range members {
		r := rand.New(rand.NewPCG(seed^fitNoiseStream, uint64(m)))
		z := make([]float64, n)
		for k := range z {
			z[k] = r.NormFloat64() * math.Sqrt(max(vals[k], 0))
		}
		for j, p := range params {
			d := 0.0
			for k := range n {
				d += vecs.At(j, k) * z[k]
			}
			v, ok := set[p.Name]
			if !ok {
				continue
			}
			set[p.Name] = min(max(math.Exp(math.Log(v)+d), p.Lo), p.Hi)
		}
	}
	return nil
}
