package main

import (
	"flag"
	"fmt"
	"os"

	"giftsim/reports"
)

// reportFlags are the flags that set how a report and a terminal summary
// are written: --lang and --csv-bom (run, report and load share them).
type reportFlags struct {
	fs   *flag.FlagSet
	lang *string
	bom  *bool
}

// addReportFlags declares --lang and --csv-bom on fs.
func addReportFlags(fs *flag.FlagSet) *reportFlags {
	return &reportFlags{
		fs:   fs,
		lang: addLangFlag(fs),
		bom:  fs.Bool("csv-bom", false, "start the CSV files with a UTF-8 byte-order mark so that Excel and WPS read Chinese (default: on with --lang zh)"),
	}
}

// options turns the flags into report options: the language from --lang or
// the locale, and the byte-order mark on when asked or, unless
// --csv-bom=false, when the language is Chinese.
func (r *reportFlags) options() ([]reports.Option, error) {
	lang, err := langOf(*r.lang)
	if err != nil {
		return nil, err
	}
	bom := *r.bom
	set := false
	r.fs.Visit(func(f *flag.Flag) { set = set || f.Name == "csv-bom" })
	if !set {
		bom = lang == reports.Chinese
	}
	return []reports.Option{reports.WithLang(lang), reports.WithCSVBOM(bom)}, nil
}

// addLangFlag declares --lang on fs (run, report, load, sensitivity and
// optimize).
func addLangFlag(fs *flag.FlagSet) *string {
	return fs.String("lang", "", "language of the summary and report: en or zh (default: zh when LC_ALL, LC_MESSAGES or LANG starts with zh, else en)")
}

// langOf is the language a --lang value asks for: the locale's when v is
// empty.
func langOf(v string) (reports.Lang, error) {
	if v == "" {
		return reports.LangFromEnv(os.Getenv), nil
	}
	l, err := reports.ParseLang(v)
	if err != nil {
		return "", fmt.Errorf("--lang: %w", err)
	}
	return l, nil
}
