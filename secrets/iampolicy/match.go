package iampolicy

import (
	"slices"
	"strings"
)

// matches reports whether the IAM pattern p matches s: '*' matches any run
// of characters ('/' included) and '?' any one character.
func matches(p, s string) bool {
	// The classic two-pointer glob match, backtracking to the last '*'.
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == s[si]):
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// uncovered returns the sorted, distinct values of l that no other value of
// l matches as a pattern.
func uncovered(l List) List {
	slices.Sort(l)
	l = slices.Compact(l)
	out := l[:0:0]
	for i, v := range l {
		covered := slices.ContainsFunc(l, func(p string) bool {
			return p != v && strings.ContainsAny(p, "*?") && matches(p, v)
		})
		if !covered {
			out = append(out, l[i])
		}
	}
	return out
}
