package reports

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"giftsim/results"
)

// Lang is the language a report, a terminal summary or an answer is written
// in. The scenario format, flags and CSV headers stay English in every
// language.
type Lang string

// The languages reports are written in.
const (
	English Lang = "en"
	Chinese Lang = "zh" // Chinese is Simplified Chinese (zh-CN).
)

// ParseLang reads a --lang value: "en" or "zh" (also "zh-CN", "zh_CN.UTF-8").
func ParseLang(s string) (Lang, error) {
	switch v := strings.ToLower(strings.TrimSpace(s)); {
	case v == "en" || strings.HasPrefix(v, "en-") || strings.HasPrefix(v, "en_"):
		return English, nil
	case v == "zh" || strings.HasPrefix(v, "zh-") || strings.HasPrefix(v, "zh_"):
		return Chinese, nil
	}
	return "", fmt.Errorf("unknown language %q: use en or zh", s)
}

// LangFromEnv picks the default language from the locale the way POSIX
// programs do: the first of LC_ALL, LC_MESSAGES and LANG that is set decides;
// one starting with "zh" gives Chinese, anything else English.
func LangFromEnv(getenv func(string) string) Lang {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(k); v != "" {
			if strings.HasPrefix(strings.ToLower(v), "zh") {
				return Chinese
			}
			return English
		}
	}
	return English
}

// Option sets how a report is written.
type Option func(*options)

// options is what the Options set.
type options struct {
	lang   Lang
	csvBOM bool
}

// WithLang writes the report, summary or answer in l.
func WithLang(l Lang) Option { return func(o *options) { o.lang = l } }

// WithCSVBOM starts every CSV file with a UTF-8 byte-order mark, so that
// Excel and WPS read Chinese text as UTF-8.
func WithCSVBOM(on bool) Option { return func(o *options) { o.csvBOM = on } }

// optionsOf applies opts over the defaults: English, no byte-order mark.
func optionsOf(opts []Option) options {
	o := options{lang: English}
	for _, f := range opts {
		f(&o)
	}
	if o.lang == "" {
		o.lang = English
	}
	return o
}

// utf8BOM is the UTF-8 byte-order mark.
const utf8BOM = "\uFEFF"

// withBOM returns b with a byte-order mark in front when on.
func withBOM(b []byte, on bool) []byte {
	if !on {
		return b
	}
	return append([]byte(utf8BOM), b...)
}

// catalogue holds every translated message, keyed by its message id: the
// English text itself (format verbs included), so that a message without a
// translation reads in English. Values are the Chinese text, with the same
// verbs in the same order.
var catalogue = map[string]string{
	// Terminal summary.
	"seed %d, %d replications, %s from %s; mean [%s]": "种子 %d，%d 次重复，观察期 %s，自 %s 起；均值 [%s]",
	"levels: prediction intervals over %d of the model's calibrated parameter sets (model uncertainty and simulation noise; --central for noise alone)": "水平：基于模型 %d 组校准参数的预测区间（模型不确定性与模拟噪声；--central 仅含噪声）",
	"levels: prediction intervals over the model's calibrated parameter sets (model uncertainty and simulation noise)":                                  "水平：基于模型校准参数组的预测区间（模型不确定性与模拟噪声）",
	"KPI":                          "指标",
	"n/a":                          "无",
	"* = significant at 95%":       "* = 95% 水平显著",
	"; the intervals are each 95%": "；各区间均为 95%",
	"; ! = not robust: the %d parameter sets disagree on its direction":                                            "；! = 不稳健：%d 组参数对方向意见不一",
	"Paired difference against %s (arm − baseline [95%% CI] ×ratio of means [95%% CI], common random numbers; %s)": "相对 %s 的配对差异（方案 − 基准 [95%% 置信区间] ×均值之比 [95%% 置信区间]，共同随机数；%s）",
	" (target not reached in %d of %d pairs: restricted to the horizon)":                                           "（%[2]d 对中 %[1]d 对未达目标：截至观察期末）",
	"Answer: %s":                     "结论：%s",
	"not reached in %d of %d (≥ %s)": "%[2]d 次中 %[1]d 次未达成（≥ %[3]s）",
	"95% prediction interval":        "95% 预测区间",
	"95% CI":                         "95% 置信区间",
	"adjusted for %d comparisons by Holm's method": "经 Holm 法校正 %d 次比较",
	// Simulation page.
	"Simulation report": "模拟报告",
	"Question":          "问题",
	"Question: ":        "问题：",
	"Warning:":          "警告：",
	"What changed":      "有何变化",
	"best arm per KPI, every KPI by arm and its difference from": "每项指标的最佳方案，各方案的每项指标及其相对基准的差异：",
	"Trade-off":        "权衡",
	"Along the sweep":  "沿扫描参数",
	"Every KPI by arm": "各方案的全部指标",
	"Why":              "原因",
	"the funnel, the gift cascade and the timing of claims and redemptions": "漏斗、转赠链条以及领取与核销的时间分布",
	"Funnel":                          "漏斗",
	"Gift cascade":                    "转赠链条",
	"Over time":                       "随时间变化",
	"Redemptions by weekday and hour": "按星期与小时的核销",
	"Full tables":                     "完整表格",
	"every KPI of every arm":          "所有方案的所有指标",
	"Setup":                           "设置",
	"the run, the arms and the scenario's settings": "运行、方案与场景设置",
	"Run":         "运行",
	"Arms":        "方案",
	"Scenario":    "场景",
	"Files":       "文件",
	"Answer":      "结论",
	"arm":         "方案",
	"best arm":    "最佳方案",
	"significant": "显著",
	// Cards and the first screen.
	"The results hold no arms, so there is nothing to compare.": "结果中没有方案，无可比较。",
	"The results hold no KPIs, so there is nothing to compare.": "结果中没有指标，无可比较。",
	"not significant: a tie":                                    "不显著：打平",
	"significant · robust (%d/%d sets)":                         "显著 · 稳健（%d/%d 组参数）",
	"significant · not robust (%d/%d sets)":                     "显著 · 不稳健（%d/%d 组参数）",
	"no difference recorded":                                    "没有记录差异",
	"better: ":                                                  "更优：",
	"best: ":                                                    "最佳：",
	"tie":                                                       "打平",
	" to ":                                                      " 至 ",
	"lowest at %s, highest at %s":                               "最低为 %s，最高为 %s",
	"%s against %s %s (%s)":                                     "%s 相对 %s %s（%s）",
	"%d other arm(s) too close to call":                         "另有 %d 个方案难以区分",
	"How far %[1]s moves each card's KPI against %[2]s, as a share of %[2]s's mean: green where it is better, vermillion where it is worse.": "%[1]s 相对 %[2]s 使各卡片指标变化多少（占 %[2]s 均值的百分比）：绿色表示更好，朱红色表示更差。",
	"Each point is an arm's mean with its %s both ways; up and to the right is better when both KPIs are.":                                   "每个点是一个方案的均值及其双向 %s；两项指标都越大越好时，右上方更好。",
	// Intervals.
	"95% prediction interval (model and noise)": "95% 预测区间（模型与噪声）",
	"95% confidence interval of the mean":       "均值的 95% 置信区间",
	"95% prediction band (model and noise)":     "95% 预测带（模型与噪声）",
	"95% confidence band of the mean":           "均值的 95% 置信带",
	"95% confidence interval of the difference": "差异的 95% 置信区间",
	// Charts.
	"%s by arm":                                  "各方案的%s",
	" (mean)":                                    "（均值）",
	"≥ %s, not reached in %d of %d":              "≥ %s，%[3]d 次中 %[2]d 次未达成",
	"%s: difference from %s":                     "%s：相对 %s 的差异",
	"difference from %s":                         "相对 %s 的差异",
	"significant (95% CI excludes 0)":            "显著（95% 置信区间不含 0）",
	"not significant":                            "不显著",
	"%s against %s: change of each KPI":          "%s 相对 %s：各指标的变化",
	"better":                                     "更好",
	"worse":                                      "更差",
	"no better direction":                        "无优劣方向",
	"hollow: not %s":                             "空心：不%s",
	"95% CI of the change (Fieller)":             "变化的 95% 置信区间（Fieller）",
	"change against %s, %% of its mean":          "相对 %s 的变化，占其均值的 %%",
	"day %d":                                     "第 %d 天",
	"day of the campaign":                        "活动天数",
	"Claims per day":                             "每日领取",
	"coupons claimed per day":                    "每日领取张数",
	"Gifts on per day":                           "每日转赠",
	"coupons gifted on per day":                  "每日转赠张数",
	"Redemptions per day":                        "每日核销",
	"coupons redeemed per day":                   "每日核销张数",
	"Expiries per day":                           "每日过期",
	"coupons expired per day":                    "每日过期张数",
	"Fund float (K4) over time":                  "资金沉淀率 (K4) 随时间变化",
	"fund float, % of face value issued":         "资金沉淀，占已发面额的 %",
	"Lifecycle funnel: coupons per stage (mean)": "生命周期漏斗：各阶段券数（均值）",
	"stage":                                     "阶段",
	"coupons (mean per run)":                    "券数（每次运行均值）",
	"Redemptions by weekday and hour: %s":       "按星期与小时的核销：%s",
	"hour of day (scenario time zone)":          "小时（场景时区）",
	"redemptions per hour (mean)":               "每小时核销（均值）",
	"Gift cascade depth":                        "转赠深度",
	"depth (0 = received from the merchant)":    "深度（0 = 直接从商家领取）",
	"coupons (mean, log scale)":                 "券数（均值，对数刻度）",
	"Trade-off: %s against %s":                  "权衡：%s 对 %s",
	"Sends per day against the daily quota: %s": "每日发券与每日配额：%s",
	"issued":                    "已发放",
	"refused: quota used (R11)": "被拒：配额用尽 (R11)",
	"refused: budget spent":     "被拒：预算用尽",
	"sends attempted":           "尝试发券",
	"the day's quota":           "当日配额",
	"sends per day (mean)":      "每日发券（均值）",
	"Levels carry 95% prediction intervals over the model's calibrated parameter sets (behaviour and noise); ": "各水平带有基于模型校准参数组的 95% 预测区间（行为与噪声）；",
	"Levels carry 95% confidence intervals of the mean (simulation noise only); ":                              "各水平带有均值的 95% 置信区间（仅模拟噪声）；",
	"differences are paired against":                         "差异与",
	"with 95% confidence intervals":                          "配对比较，带 95% 置信区间",
	", significance":                                         "，显著性",
	". Robust: every parameter set agrees on the direction.": "。稳健：每组参数的方向都一致。",
	"(one row per arm and KPI)":                              "（每个方案每项指标一行）",
	"(one row per arm and day)":                              "（每个方案每天一行）",
	"(this first screen as one image, for chat)":             "（首屏的一张图片，便于在聊天中分享）",
	"charts in":       "图表在",
	"as SVG and PNG.": "中，格式为 SVG 与 PNG。",
	// Load summary.
	"plan %s  target %s  seed %d  run %s": "压测计划 %s  目标 %s  种子 %d  运行 %s",
	"  shard %d/%d":                       "  分片 %d/%d",
	"phase\trequests\trate/s\ttarget/s\tp50\tp90\tp99\tmax\tlag p99\t": "阶段\t请求数\t速率/秒\t目标/秒\tp50\tp90\tp99\t最大\t滞后 p99\t",
	"total": "合计",
	"quota  merchant %s issued %d of %d a day":          "配额  商户 %s 每日发放 %d / %d",
	"the run was interrupted before its schedule ended": "运行在计划结束前被中断",
	"thresholds": "阈值",
	"FAIL":       "未通过",
	"PASS":       "通过",
	" on %s":     "（%s）",
}

// T returns message id in l, formatted with args when there are any.
func (l Lang) T(id string, args ...any) string {
	s := id
	if l == Chinese {
		if zh, ok := catalogue[id]; ok {
			s = zh
		}
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

// zhKPINames are the KPIs' names in Chinese, by KPI id; K1–K4 in the
// seed's own terms (docs/DOMAIN.md).
var zhKPINames = map[string]string{
	"claim_conversion":      "领取转化率 (K1)",
	"redemption_rate":       "核销使用率 (K2)",
	"viral_coefficient":     "分享裂变系数 (K3)：每位活动领券用户经转赠带来的新客",
	"fund_float":            "资金沉淀率 (K4)",
	"new_customers":         "新客数",
	"incremental_profit":    "增量利润",
	"roi":                   "ROI（增量利润 / 成本）",
	"incremental_revenue":   "增量销售额",
	"retained_customers":    "留存新客",
	"repeat_purchases":      "新客复购次数（预期，至观察期末）",
	"inquiries":             "客服咨询量",
	"timely_redemption":     "24 小时内核销占比",
	"exposed_users":         "曝光用户数",
	"issued":                "发券量",
	"claims":                "领券次数（商家券与转赠券）",
	"gifts":                 "转赠次数",
	"redeemed":              "核销张数",
	"redeemed_natural":      "本会发生的购买上的核销",
	"top_ups":               "为达到使用门槛而凑单的核销",
	"new_per_sharer":        "每位分享者经转赠带来的新客",
	"unfollowed":            "取关用户数（营销疲劳）",
	"lapsed_customers":      "因过度营销流失的客户",
	"quota_refused":         "被每日配额拒绝 (R11)",
	"budget_refused":        "被拒：预算用尽",
	"risk_blocked":          "被风控拦截 (R16, R17)",
	"rule_refused":          "被规则拒绝 (R6, R8, R15, R18, C1, C3)",
	"recovered":             "从回收站恢复 (R14)",
	"cost":                  "成本（核销面额、手续费、渠道）",
	"revenue":               "核销时的总销售额",
	"gross_roi":             "总 ROI（所有用券销售）",
	"cascade_depth":         "平均转赠深度",
	"valid_at_end":          "观察期末仍有效的券",
	"days_to_holders":       "达到持券人目标的天数 (targets.holders)",
	"days_to_new_customers": "达到新客目标的天数 (targets.new_customers)",
}

// zhUnits are the KPIs' units in Chinese; "%" stays as it is.
var zhUnits = map[string]string{
	"CNY":                      "元",
	"users":                    "人",
	"coupons":                  "张",
	"claims":                   "次",
	"offers":                   "次",
	"sends":                    "次",
	"attempts":                 "次",
	"inquiries":                "次",
	"purchases":                "次",
	"days":                     "天",
	"hops":                     "层",
	"ratio":                    "倍",
	"new customers per user":   "新客/人",
	"new customers per sharer": "新客/分享者",
}

// localized returns a copy of sim whose KPI names and units are in l, for
// display; the KPI ids, the arms and the numbers are untouched. KPIs
// without a translation keep their names.
func localized(sim *results.Simulation, l Lang) *results.Simulation {
	if l != Chinese || sim == nil {
		return sim
	}
	cp := *sim
	cp.KPIs = make([]results.KPI, len(sim.KPIs))
	for i, k := range sim.KPIs {
		if n, ok := zhKPINames[k.ID]; ok {
			k.Name = n
		}
		if u, ok := zhUnits[k.Unit]; ok {
			k.Unit = u
		}
		cp.KPIs[i] = k
	}
	return &cp
}

// formatNumberIn formats v for readers of l: for Chinese, magnitudes from
// ten thousand on in 万 (1.2万) and from a hundred million on in 亿, as
// Chinese readers count, to about four significant digits; otherwise as
// formatNumber.
func formatNumberIn(l Lang, v float64) string {
	a := math.Abs(v)
	if l != Chinese || math.IsNaN(v) || math.IsInf(v, 0) || a < 10_000 {
		return formatNumber(v)
	}
	unit, div := "万", 1e4
	if a >= 1e8 {
		unit, div = "亿", 1e8
	}
	x := v / div
	dec := 2 // about four significant digits: 1.41万, 12.35万, 123.5万
	switch ax := math.Abs(x); {
	case ax >= 1000:
		dec = 0
	case ax >= 100:
		dec = 1
	}
	s := strconv.FormatFloat(x, 'f', dec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s + unit
}

// formatDateIn formats an RFC 3339 time or a date (2006-01-02) for readers
// of l: 2026年3月2日 in Chinese; English keeps s as it is, as does text
// that is neither.
func formatDateIn(l Lang, s string) string {
	if l != Chinese {
		return s
	}
	var t time.Time
	var err error
	if t, err = time.Parse(time.RFC3339, s); err != nil {
		if t, err = time.Parse(time.DateOnly, s); err != nil {
			return s
		}
	}
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

// horizonIn words a horizon such as "60d" for readers of l: "60 天" in
// Chinese; anything else as it is.
func horizonIn(l Lang, h string) string {
	if n, ok := strings.CutSuffix(h, "d"); ok && l == Chinese {
		if _, err := strconv.Atoi(n); err == nil {
			return n + " 天"
		}
	}
	return h
}
