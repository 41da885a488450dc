package reports

import (
	"fmt"
	"html/template"
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
	// Sweep charts.
	"%s against %s": "%s 随 %s 变化",
	"days":          "天",
	"hours":         "小时",
	"minutes":       "分钟",
	"seconds":       "秒",
	"hour of day":   "时刻",
	// Setup: the run and the scenario's sections.
	"scenario":                    "场景",
	"file":                        "文件",
	"start":                       "开始",
	"horizon":                     "观察期",
	"seed":                        "种子",
	"replications":                "重复次数",
	"arms":                        "方案数",
	"sweep":                       "扫描",
	"%s (%d days)":                "%s（%d 天）",
	"%d (baseline: %s)":           "%d（基准：%s）",
	"Coupon":                      "券",
	"Campaign":                    "活动",
	"Merchant":                    "商户",
	"Population and friend graph": "人群与好友关系",
	"Recovery (R14)":              "回收站恢复 (R14)",
	"Risk control (R16, R17)":     "风控 (R16, R17)",
	"Compliance":                  "合规",
	"Behavioural model":           "行为模型",
	"The calibrated profile's central values (docs/MODEL.md); with an ensemble each replication draws its own set around them.": "校准画像的中心值 (docs/MODEL.md)；使用参数组时，每次重复在其周围抽取自己的一组。",
	"h":                    "小时",
	"per day":              "/天",
	"objective":            "目标",
	"methods":              "方法",
	"parameter sets":       "参数组",
	"arm-replications run": "已运行的方案重复",
	"design":               "设计",
	"screen":               "筛选",
	"selection":            "选择",
	"replications run":     "已运行的重复",
	"users":                "用户数",
	"indifference zone δ":  "无差异区间 δ",
	"confidence":           "置信度",
	"KN first stage n₀":    "KN 第一阶段 n₀",
	"%s, %d candidates":    "%s，%d 个候选",
	"%d replications each": "各 %d 次重复",
	"%s of a budget of %s": "%s，预算 %s",
	// Sensitivity and optimisation pages (page.html.tmpl, optimize.html.tmpl).
	" (one row per candidate) · ":            "（每个候选一行）· ",
	" (one row per lever) · ":                "（每个杠杆一行）· ",
	" (the whole analysis) · charts in ":     "（完整分析）· 图表在 ",
	" (the whole optimisation) · charts in ": "（完整优化）· 图表在 ",
	" Sobol indices: ":                       " Sobol 指数：",
	" as SVG and PNG.":                       " 中，格式为 SVG 与 PNG。",
	" with every lever at the scenario's own value. Every point ran on the same common random numbers and parameter sets.": "，此时每个杠杆都取场景自身的值。每个点都使用相同的共同随机数和参数组运行。",
	"(95% CI)":      "（95% 置信区间）",
	", subject to ": "，约束为 ",
	". Every candidate ran on the same common random numbers and parameter sets, so their differences are paired.": "。每个候选都使用相同的共同随机数和参数组运行，因此它们的差异是配对的。",
	". Intervals are 95% bootstrap percentile intervals over the rows of the design.":                              "。区间为对设计各行自助抽样的 95% 百分位区间。",
	"; then ": "；其次 ",
	"A lever does not matter when every interval of its effect includes zero: its one-at-a-time difference and its Morris μ*. Levers that matter come first, each group by the size of its one-at-a-time effect.":                                                                                                                                                                                                                       "当一个杠杆效应的每个区间都包含零时，它无影响：这里指其单因素差异和 Morris μ*。有影响的杠杆排在前面，每组按单因素效应的大小排序。",
	"A lever does not matter when every interval of its effect includes zero: its one-at-a-time difference and its total Sobol index S<sub>T</sub> (which, with the simulation noise taken out, stands in for Morris μ*). Levers that matter come first, each group by S<sub>T</sub>.":                                                                                                                                                  "当一个杠杆效应的每个区间都包含零时，它无影响：这里指其单因素差异和 Sobol 总指数 S<sub>T</sub>（扣除模拟噪声后，它代替 Morris μ*）。有影响的杠杆排在前面，每组按 S<sub>T</sub> 排序。",
	"A screen of candidates spread over the levers' ranges (a Latin hypercube), then a race that drops candidates clearly worse than the leader or clearly breaking a constraint and halves the field while it is large, then a selection on fresh replications. A constraint is kept when its 95% interval lies inside the bound, broken when it lies wholly outside, and uncertain otherwise. docs/STRATEGY.md describes the method.": "先在杠杆范围内铺开候选进行筛选（拉丁超立方），再进行竞赛：淘汰明显不如领先者或明显违反约束的候选，候选多时每轮减半，最后用新的重复进行选择。约束的 95% 区间落在界限内即为满足，完全落在界限外即为违反，否则为不确定。方法见 docs/STRATEGY.md。",
	"Candidates": "候选",
	"Each bar runs from the objective with the lever at its low end to the objective at its high end, every other lever at base; the dashed line is the base. The whisker is the 95% confidence interval of the paired difference high − low, drawn from the low end: when it reaches back across the low end's bar end, the lever's effect could be zero.": "每根条从杠杆取低端时的目标值延伸到取高端时的目标值，其他杠杆都取基准值；虚线为基准。须线是配对差异 高 − 低 的 95% 置信区间，从低端画起：当它越过低端的条端时，该杠杆的效应可能为零。",
	"Each point is a candidate's mean of the two objectives; the front's points carry their 95% intervals in both directions and are joined by a dashed line. A point off the front is dominated by the means; it was dropped only when the dominance was clear.":                                                                                           "每个点是一个候选在两个目标上的均值；前沿上的点带有两个方向的 95% 区间，并以虚线相连。前沿外的点按均值被支配；只有在支配明确时才被淘汰。",
	"Levers":           "杠杆",
	"Method":           "方法",
	"Morris screening": "Morris 筛选",
	"Note:":            "注：",
	"Objective: ":      "目标：",
	"S<sub>i</sub> is the share of the objective's variance, with every lever drawn over its range, that the lever causes alone; S<sub>T</sub> the share it causes alone or together with other levers (S<sub>T</sub> − S<sub>i</sub> is its interactions). A lever whose S<sub>T</sub> interval includes zero does not matter over these ranges. ": "S<sub>i</sub> 是在每个杠杆都于其范围内抽取时，目标方差中由该杠杆单独造成的比例；S<sub>T</sub> 是它单独或与其他杠杆共同造成的比例（S<sub>T</sub> − S<sub>i</sub> 为其交互作用）。S<sub>T</sub> 区间包含零的杠杆在这些范围内无影响。",
	"Sobol indices":    "Sobol 指数",
	"The Pareto front": "帕累托前沿",
	"The best and the runners-up that cannot be told apart from it": "最佳策略及与之难以区分的次优策略",
	"The candidates that keep the constraints first (then those that may not, then those that do not), each group by its mean first objective, each with its 95% confidence interval over its own replications (more for those that stayed in longer). A hollow marker is a candidate that breaks a constraint.":                          "满足约束的候选在前（其次是可能不满足的，再次是不满足的），每组按第一个目标的均值排序，各带基于其自身重复的 95% 置信区间（留得越久的重复越多）。空心标记表示违反约束的候选。",
	"an elementary effect is the change of the objective when one lever steps along its range, scaled to its whole range. μ* (right) is how much a lever matters; σ (up) is how much its effect depends on where the other levers are, or bends along its own range. Intervals are 95% bootstrap percentile intervals over trajectories.": "基本效应是一个杠杆沿其范围移动一步时目标的变化，按其整个范围缩放。μ*（向右）表示杠杆影响有多大；σ（向上）表示其效应在多大程度上取决于其他杠杆的位置，或沿自身范围弯曲。区间为对轨迹自助抽样的 95% 百分位区间。",
	"%d trajectories on a %d-level grid, %d distinct points; ": "%d 条轨迹，%d 水平网格，%d 个不同的点；",
	"at high":                    "高端时",
	"at low":                     "低端时",
	"candidates left":            "剩余候选",
	"constraints":                "约束",
	"decided at":                 "决定于",
	"fate":                       "结局",
	"feasibility":                "可行性",
	"giftsim optimize report":    "giftsim 优化报告",
	"giftsim sensitivity report": "giftsim 敏感性分析报告",
	"high − low (95% CI)":        "高 − 低（95% 置信区间）",
	"id":                         "编号",
	"lever":                      "杠杆",
	"parameter sets agreeing":    "方向一致的参数组",
	"range":                      "范围",
	"rank":                       "排名",
	"replications per candidate": "每个候选的重复次数",
	"settings":                   "设置",
	"verdict":                    "判定",
	"vs best (95% CI)":           "相对最佳（95% 置信区间）",
	"what happened":              "经过",
	"integer":                    "整数",
	"duration":                   "时长",
	"time":                       "时刻",
	"category":                   "类别",
	// Simulation page: tables and notes.
	", each KPI along the sweep":        "，以及各指标沿扫描参数的变化",
	"best arm's mean (":                 "最佳方案的均值（",
	")":                                 "）",
	"difference from ":                  "相对 ",
	" (95% CI)":                         " 的差异（95% 置信区间）",
	"ratio [95% CI]":                    "比值 [95% 置信区间]",
	"Each KPI against the swept value ": "各指标随扫描参数 ",
	", with its ":                       " 的变化，带",
	"95% prediction band (model uncertainty and simulation noise)":                                              "95% 预测带（模型不确定性与模拟噪声）",
	"; markers keep their arm's colour.":                                                                        "；标记沿用各方案的颜色。",
	"Zero in every arm, so not charted: ":                                                                       "各方案均为零，故未绘图：",
	"Mean coupons per run at each stage, and in brackets the share of the first stage.":                         "每次运行各阶段的平均券数，括号内为占第一阶段的比例。",
	"Mean redemptions by weekday and hour of day in the scenario's time zone; all arms share one colour scale.": "按星期与小时（场景时区）的平均核销数；所有方案共用一个色标。",
	"changes against the scenario":                                                                              "相对场景的改动",
	"(baseline)":                                                                                                "（基准）",
	// Sensitivity and optimisation charts.
	"Tornado: %s, each lever from low to high": "龙卷风图：%s，各杠杆从低到高",
	"low end":  "低端",
	"high end": "高端",
	"95% CI of high − low, from the low end": "高 − 低 的 95% 置信区间，从低端起",
	"base":                                                  "基准",
	"Morris screening: μ* against σ of %s":                  "Morris 筛选：%s 的 μ* 与 σ",
	", %s per range":                                        "，%s/整个范围",
	"μ*, mean absolute elementary effect%s":                 "μ*，基本效应绝对值的均值%s",
	"σ, spread of elementary effects%s":                     "σ，基本效应的离散度%s",
	"95% bootstrap interval over trajectories":              "对轨迹自助抽样的 95% 区间",
	"Sobol indices: shares of the variance of %s":           "Sobol 指数：%s 的方差分解",
	"S_i, first order (alone)":                              "S_i，一阶（单独）",
	"S_T, total (alone or with others)":                     "S_T，总效应（单独或与其他杠杆共同）",
	"95% bootstrap interval":                                "95% 自助区间",
	"share of variance over the levers' ranges":             "杠杆范围内的方差比例",
	"Candidates: %s %s, 95%% CI (%d of %d, feasible first)": "候选：%s %s，95%% 置信区间（%d / %d 个，可行的在前）",
	"cannot be told apart / on the front":                   "难以区分 / 在前沿上",
	"other":                                                 "其他",
	"Pareto front: %s %s against %s %s":                     "帕累托前沿：%s %s 对 %s %s",
	"on the front (95% CI)":                                 "在前沿上（95% 置信区间）",
	"other candidates":                                      "其他候选",
	// A sweep's answer (sweepAnswerIn).
	"%s runs from %s at %s to %s at %s":     "%[1]s在 %[3]s 时最低（%[2]s），在 %[5]s 时最高（%[4]s）",
	"highest":                               "最高",
	"lowest":                                "最低",
	"%s is %s at %s (%s)":                   "%[1]s在 %[3]s 时%[2]s（%[4]s）",
	", with %d other %ss too close to call": "，另有 %d 个%s与之难以区分",
	", with %s too close to call":           "，%s 与之难以区分",
	"Across %s %s to %s: %s.":               "%s从 %s 到 %s：%s。",
	" %s is best on %s at once":             "%s 在%s上同时最好",
	" No %s is best on %s at once: each trades one for another":                                                                    "没有哪个%s在%s上同时最好：各水平此消彼长",
	" No %s is best on %s at once: %s trade one for another, while for %s another %s is no worse on any and clearly better on one": "没有哪个%s在%s上同时最好：%s 之间此消彼长；%s 则被支配，另有一个%s在各项上都不差且至少一项明显更好",
	"; the best levels' differences from %s are robust across the model's calibrated parameter sets":                               "；各最佳水平相对 %s 的差异在模型全部校准参数组下方向一致，结论稳健",
	"; only %d of the %d best levels' differences from %s are robust across the model's calibrated parameter sets":                 "；各最佳水平相对 %[3]s 的差异中，仅 %[1]d/%[2]d 项在模型全部校准参数组下方向一致",
	"; their robustness to the model's uncertainty is untested: the run used its central parameters only":                          "；未检验对模型不确定性的稳健性：本次仅用中心参数运行",
	// Funnel stages (sim/run.go).
	"exposed":   "曝光",
	"claimed":   "领取",
	"gifted on": "转赠",
	"redeemed":  "核销",
	// Quota notes (R11) and the budget.
	"the %s-a-day quota binds on %s: %s sends refused":                 "每日 %s 张的配额在%s用尽：%s 次发券被拒",
	"the daily quota does not bind (at most %.0f%% of it used, on %s)": "每日配额未用尽（最多用了 %.0f%%，在%s）",
	"from %s it does not bind":                                         "自%s起配额不再用尽",
	"from %s no sends are made":                                        "自%s起不再发券",
	" The budget is spent on %s: %s sends refused from then on.":       "预算在%s用完：此后 %s 次发券被拒。",
	"day %d (%s)":                     "第 %d 天（%s）",
	"days %d–%d (%s–%s)":              "第 %d–%d 天（%s–%s）",
	"\nDaily quota (R11) and budget:": "\n每日配额 (R11) 与预算：",
	// Swept fields in sentences (sweepField).
	"setting":     "设置",
	"validity":    "有效期",
	"face value":  "面额",
	"threshold":   "使用门槛",
	"daily quota": "每日配额",
	"budget":      "预算",
	"push at":     "推送时间",
	// Shared punctuation.
	": ": "：",
	"; ": "；",
	", ": "，",
	":":  "：",
	".":  "。",
	// Sensitivity (terminal and page).
	"Sensitivity: %s":                                                         "敏感性分析：%s",
	"%s matters most (%s)":                                                    "%s 影响最大（%s）",
	"No lever moves %s distinguishably from zero":                             "没有杠杆使%s明显偏离零",
	": every effect's interval includes zero.":                                "：每个效应的区间都包含零。",
	"; %s does not matter: its effect's interval includes zero.":              "；%s 无影响：其效应的区间包含零。",
	"; %s do not matter: their effects' intervals include zero.":              "；%s 无影响：它们效应的区间都包含零。",
	"; every lever matters: each has an effect whose interval excludes zero.": "；每个杠杆都有影响：各有一个区间不含零的效应。",
	"its total Sobol index is %s, 95%% interval %s: that share of the variance over the levers' ranges involves it": "其 Sobol 总指数为 %s，95%% 区间 %s：杠杆取值范围内的方差有这一比例与它有关",
	"%s → %s changes it by %s, 95%% CI %s":            "%s → %s 使其变化 %s，95%% 置信区间 %s",
	"Morris μ* %s per range %s..%s, 95%% interval %s": "Morris μ* 为每个范围 %[2]s..%[3]s %[1]s，95%% 区间 %[4]s",
	"%d of %d":        "%d/%d",
	"matters":         "有影响",
	"does not matter": "无影响",
	"objective %s at base %s [%s]; seed %d, %d replications%s": "目标 %s，基准值 %s [%s]；种子 %d，%d 次重复%s",
	", central parameters":           "，中心参数",
	", %d calibrated parameter sets": "，%d 组校准参数",
	"rank\tlever\trange\tverdict\thigh − low [95% CI]\tsets agree\tMorris μ* [95%]\tσ\t":                           "排名\t杠杆\t范围\t判定\t高 − 低 [95% 置信区间]\t参数组一致\tMorris μ* [95%]\tσ\t",
	"Morris: %d trajectories on %d levels, %d points, %d bootstrap resamples; effects per whole range of a lever.": "Morris：%d 条轨迹，%d 个水平，%d 个点，%d 次自助重抽样；效应按杠杆的整个范围计。",
	"Sobol: %s.":         "Sobol：%s。",
	"Sobol indices: %s.": "Sobol 指数：%s。",
	"N = %d base samples, %s points, %s bootstrap resamples of the rows; %s":                                "N = %d 个基础样本，%s 个点，按行 %s 次自助重抽样；%s",
	"simulation noise not estimated (one replication, or none in the objective): it is left in the indices": "未估计模拟噪声（只有一次重复，或目标中没有）：噪声留在指数中",
	"simulation noise is %s%% of the variance between points and is taken out of S_T and the variance":      "模拟噪声占各点间方差的 %s%%，已从 S_T 与方差中扣除",
	// Optimisation (terminal and page).
	"Optimisation: %s": "优化：%s",
	"maximize":         "最大化",
	"minimize":         "最小化",
	"%d strategies form the Pareto front of %s %s against %s %s":                                     "%d 个策略构成 %s %s 与 %s %s 的帕累托前沿",
	"; the one best in %s is %s, with %s (95%% CI %s) and %s %s (95%% CI %s)":                        "；%s最好的是 %s，为 %s（95%% 置信区间 %s），%s为 %s（95%% 置信区间 %s）",
	"No strategy was selected.":                                                                      "没有选出策略。",
	"Best strategy: %s. It gives %s %s (95%% CI %s)":                                                 "最佳策略：%s。%s为 %s（95%% 置信区间 %s）",
	" and keeps every constraint":                                                                    "，且满足所有约束",
	", but it may break %s: the interval straddles the bound":                                        "，但可能违反 %s：区间跨越了界限",
	" %s does better on the objective but may break a constraint (an interval straddles its bound).": "%s 的目标更好，但可能违反约束（某区间跨越其界限）。",
	" No other strategy comes within δ = %s of it.":                                                  "没有其他策略与之相差在 δ = %s以内。",
	" 1 runner-up cannot be told apart from it (within δ = %s).":                                     "有 1 个次优策略与之难以区分（相差在 δ = %s以内）。",
	" %d runners-up cannot be told apart from it (within δ = %s).":                                   "有 %d 个次优策略与之难以区分（相差在 δ = %s以内）。",
	"%s; seed %d, %s users%s":                                                                        "%s；种子 %d，%s 位用户%s",
	"subject to %s":                                                                                  "约束：%s",
	"Pareto front":                                                                                   "帕累托前沿",
	"best and runners-up":                                                                            "最佳与次优",
	"id\tsettings\t":                                                                                 "编号\t设置\t",
	" [95% CI]\t":                                                                                    " [95% 置信区间]\t",
	"vs best [95% CI]\t":                                                                             "相对最佳 [95% 置信区间]\t",
	"constraints\t":                                                                                  "约束\t",
	"fate\t":                                                                                         "结局\t",
	"\n%s: %d candidates, %d replications each first; %s":                                            "\n%s：%d 个候选，先各 %d 次重复；%s",
	" with δ = %s (%s), α = %g":                                                                      "，δ = %s（%s），α = %g",
	".\n%d of a budget of %d candidate-replications spent.\n":                                        "。\n已用 %d 次候选重复，预算 %d 次。\n",
	"Note: %s.\n":                                                                                    "注：%s。\n",
	"feasible":                                                                                       "可行",
	"uncertain":                                                                                      "不确定",
	"infeasible":                                                                                     "不可行",
	"best":                                                                                           "最佳",
	"cannot be told apart":                                                                           "难以区分",
	"better, may break a constraint":                                                                 "更好，但可能违反约束",
	"on the Pareto front":                                                                            "在帕累托前沿上",
	"not clearly dominated":                                                                          "未被明确支配",
	"clearly worse":                                                                                  "明显更差",
	"clearly dominated":                                                                              "被明确支配",
	"clearly infeasible":                                                                             "明显不可行",
	"halved out":                                                                                     "折半淘汰",
	"eliminated by KN":                                                                               "被 KN 淘汰",
	"Latin hypercube":                                                                                "拉丁超立方",
	"Kim–Nelson fully sequential (KN), fresh replications":                                           "Kim–Nelson 全序贯法 (KN)，新的重复",
	"Pareto front of the survivors (no single best)":                                                 "幸存者的帕累托前沿（无唯一最佳）",
	"Latin hypercube (gonum samplemv), categorical levels in equal strata":      "拉丁超立方 (gonum samplemv)，类别水平等分层",
	"1% of the leading survivor's mean objective (or of the survivors' spread)": "领先幸存者平均目标值的 1%（或幸存者离散度的 1%）",
	"1% of the leading survivor's mean objective":                               "领先幸存者平均目标值的 1%",
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

// unit returns a KPI unit in l: 元, 人, 张 … in Chinese; "%" and units
// without a translation stay as they are.
func (l Lang) unit(u string) string {
	if l == Chinese {
		if zh, ok := zhUnits[u]; ok {
			return zh
		}
	}
	return u
}

// kpiName returns a KPI's name in l, by its id; name when there is no
// translation.
func (l Lang) kpiName(id, name string) string {
	if l == Chinese {
		if zh, ok := zhKPINames[id]; ok {
			return zh
		}
	}
	return name
}

// value is formatValue in l: the unit translated.
func (l Lang) value(v float64, unit string) string { return formatValue(v, l.unit(unit)) }

// diff is formatDiff in l: percentage points as 个百分点 in Chinese.
func (l Lang) diff(v float64, unit string) string {
	if l == Chinese && unit == "%" {
		return signed(v) + " 个百分点"
	}
	return formatDiff(v, l.unit(unit))
}

// interval is formatInterval in l: "lo 至 hi 元" in Chinese.
func (l Lang) interval(lo, hi float64, unit string, diff bool) string {
	if l != Chinese {
		return formatInterval(lo, hi, unit, diff)
	}
	if diff {
		return signed(lo) + " 至 " + l.diff(hi, unit)
	}
	return formatNumber(lo) + " 至 " + l.value(hi, unit)
}

// join joins names as "a, b and c" in English and "a、b和c" in Chinese.
func (l Lang) join(names []string) string {
	if l != Chinese || len(names) < 2 {
		return joinAnd(names)
	}
	return strings.Join(names[:len(names)-1], "、") + "和" + names[len(names)-1]
}

// spaced is s with panguSpacing in Chinese, s as it is in English.
func (l Lang) spaced(s string) string {
	if l == Chinese {
		return panguSpacing(s)
	}
	return s
}

// TH returns the message id in the page's language as HTML: for the page
// templates' own text, which may hold markup (S<sub>T</sub>) and
// apostrophes that must stay as written. Only ids and catalogue entries,
// both constants, pass through it.
func (h head) TH(id string) template.HTML { return template.HTML(h.Lang.T(id)) } //nolint:gosec // constants only

// Tf returns the message id in the page's language, formatted with args.
func (h head) Tf(id string, args ...any) string { return h.Lang.T(id, args...) }
