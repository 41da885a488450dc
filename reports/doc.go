// Package reports renders giftsim results as reports: charts as SVG and PNG,
// one self-contained HTML page that opens offline in any browser, and CSV and
// JSON for other tools. It takes the plain types of package results and is
// the only importer of go-chart.
//
// Charts are drawn through go-chart's renderers (chart.SVG and chart.PNG),
// its bundled Roboto font (with Droid Sans Fallback, shipped in fonts/, for
// CJK text: fonts.go), colours and viridis scale, with a small layout
// layer of its own: axes with ticks that never overlap, legends outside the
// plot, interval bands, error bars, forest plots, log axes and the heat map.
// Arms keep one colour from the Okabe–Ito palette in every chart.
//
// Reports, terminal summaries and answers are written in English or
// Simplified Chinese (WithLang; the catalogue is i18n.go), terminal tables
// are aligned by display width (texttable.go), and CSV files may start with
// a UTF-8 byte-order mark for spreadsheets (WithCSVBOM).
//
// Rendering is deterministic: the same input gives the same bytes.
package reports
