// SPDX-License-Identifier: BSD-2-Clause
/*
 * Value tracking for the static verifier: known bits ("tnums": a value and a
 * mask of unknown bits) and signed/unsigned 64-bit ranges of scalars, the
 * arithmetic of every ALU operation on them, and the refinement a conditional
 * jump gives on each of its two branches. Every function here over-
 * approximates: the set of values a register is said to hold always contains
 * every value it can hold at run time. When in doubt a result is "unknown".
 */
#include <stdio.h>
#include <string.h>

#include "verifier_internal.h"
#include "map/map_internal.h"

#define U32_MAX_ 0xffffffffull

struct tnum tnum_const(uint64_t v)
{
	return (struct tnum){ .value = v, .mask = 0 };
}

/* The smallest tnum holding every value of [min, max]. */
struct tnum tnum_range(uint64_t min, uint64_t max)
{
	uint64_t chi = min ^ max, delta;
	int bits;

	if (!chi)
		return tnum_const(min);
	bits = 64 - __builtin_clzll(chi);
	if (bits > 63)
		return (struct tnum){ 0, ~0ull };
	delta = (1ull << bits) - 1;
	return (struct tnum){ .value = min & ~delta, .mask = delta };
}

bool tnum_is_const(struct tnum t)
{
	return !t.mask;
}

/* Is every value of inner also a value of outer? */
bool tnum_in(struct tnum outer, struct tnum inner)
{
	if (inner.mask & ~outer.mask)
		return false;
	return (inner.value & ~outer.mask) == outer.value;
}

static struct tnum tnum_unknown(void)
{
	return (struct tnum){ 0, ~0ull };
}

static struct tnum tnum_add(struct tnum a, struct tnum b)
{
	uint64_t sm = a.mask + b.mask, sv = a.value + b.value, sigma = sm + sv;
	uint64_t chi = sigma ^ sv, mu = chi | a.mask | b.mask;

	return (struct tnum){ .value = sv & ~mu, .mask = mu };
}

static struct tnum tnum_sub(struct tnum a, struct tnum b)
{
	uint64_t dv = a.value - b.value, alpha = dv + a.mask, beta = dv - b.mask;
	uint64_t chi = alpha ^ beta, mu = chi | a.mask | b.mask;

	return (struct tnum){ .value = dv & ~mu, .mask = mu };
}

static struct tnum tnum_and(struct tnum a, struct tnum b)
{
	uint64_t alpha = a.value | a.mask, beta = b.value | b.mask, v = a.value & b.value;

	return (struct tnum){ .value = v, .mask = alpha & beta & ~v };
}

static struct tnum tnum_or(struct tnum a, struct tnum b)
{
	uint64_t v = a.value | b.value, mu = a.mask | b.mask;

	return (struct tnum){ .value = v, .mask = mu & ~v };
}

static struct tnum tnum_xor(struct tnum a, struct tnum b)
{
	uint64_t v = a.value ^ b.value, mu = a.mask | b.mask;

	return (struct tnum){ .value = v & ~mu, .mask = mu };
}

static struct tnum tnum_intersect(struct tnum a, struct tnum b)
{
	uint64_t v = a.value | b.value, mu = a.mask & b.mask;

	return (struct tnum){ .value = v & ~mu, .mask = mu };
}

static struct tnum tnum_cast(struct tnum a, int bytes)
{
	uint64_t keep = bytes >= 8 ? ~0ull : (1ull << (bytes * 8)) - 1;

	return (struct tnum){ .value = a.value & keep, .mask = a.mask & keep };
}

void vreg_mark_unknown(struct vreg *r)
{
	memset(r, 0, sizeof(*r));
	r->type = VT_SCALAR;
	r->var = tnum_unknown();
	r->smin = INT64_MIN;
	r->smax = INT64_MAX;
	r->umin = 0;
	r->umax = UINT64_MAX;
}

void vreg_mark_const(struct vreg *r, uint64_t v)
{
	memset(r, 0, sizeof(*r));
	r->type = VT_SCALAR;
	r->var = tnum_const(v);
	r->smin = r->smax = (int64_t)v;
	r->umin = r->umax = v;
}

bool vreg_is_const(const struct vreg *r)
{
	return r->type == VT_SCALAR && tnum_is_const(r->var);
}

/* Only the value part of a register: keeps type and pointer fields. */
static void var_unknown(struct vreg *r)
{
	r->var = tnum_unknown();
	r->smin = INT64_MIN;
	r->smax = INT64_MAX;
	r->umin = 0;
	r->umax = UINT64_MAX;
}

static void var_const(struct vreg *r, uint64_t v)
{
	r->var = tnum_const(v);
	r->smin = r->smax = (int64_t)v;
	r->umin = r->umax = v;
}

/* Ranges from the known bits only. */
static void var_from_tnum(struct vreg *r)
{
	r->umin = r->var.value;
	r->umax = r->var.value | r->var.mask;
	r->smin = INT64_MIN;
	r->smax = INT64_MAX;
}

static uint64_t max_u(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static uint64_t min_u(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static int64_t max_s(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

static int64_t min_s(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

bool vreg_sync(struct vreg *r)
{
	for (int round = 0; round < 2; round++) {
		/* known bits bound both ranges */
		r->umin = max_u(r->umin, r->var.value);
		r->umax = min_u(r->umax, r->var.value | r->var.mask);
		r->smin = max_s(r->smin, (int64_t)(r->var.value | (r->var.mask & (1ull << 63))));
		r->smax = min_s(r->smax, (int64_t)(r->var.value | (r->var.mask & ~(1ull << 63))));
		/* one range bounds the other where the sign is known */
		if (r->smin >= 0 || r->smax < 0) {
			r->umin = max_u(r->umin, (uint64_t)r->smin);
			r->umax = min_u(r->umax, (uint64_t)r->smax);
			r->smin = (int64_t)r->umin;
			r->smax = (int64_t)r->umax;
		} else if ((int64_t)r->umax >= 0) {
			r->smin = max_s(r->smin, (int64_t)r->umin);
			r->smax = min_s(r->smax, (int64_t)r->umax);
		} else if ((int64_t)r->umin < 0) {
			r->smin = max_s(r->smin, (int64_t)r->umin);
			r->smax = min_s(r->smax, (int64_t)r->umax);
		}
		if (r->umin > r->umax || r->smin > r->smax)
			return false;
		if ((r->var.value & ~r->var.mask) != r->var.value)
			return false;
		r->var = tnum_intersect(r->var, tnum_range(r->umin, r->umax));
		if (r->var.value < r->umin && !r->var.mask)
			return false;
		if (tnum_is_const(r->var) &&
		    (r->var.value < r->umin || r->var.value > r->umax ||
		     (int64_t)r->var.value < r->smin || (int64_t)r->var.value > r->smax))
			return false;
	}
	return true;
}

void vreg_mark_load(struct vreg *r, int size, bool sx)
{
	vreg_mark_unknown(r);
	if (size >= 8)
		return;
	if (sx) {
		int64_t half = 1ll << (size * 8 - 1);

		r->smin = -half;
		r->smax = half - 1;
	} else {
		r->var = tnum_cast(r->var, size);
		r->umax = (1ull << (size * 8)) - 1;
	}
	vreg_sync(r);
}

void vreg_zext32(struct vreg *r)
{
	if (r->umax <= U32_MAX_)
		return;
	r->var = tnum_cast(r->var, 4);
	var_from_tnum(r);
	vreg_sync(r);
}

/* Sign-extend the low `bits` bits of r. */
static void sext(struct vreg *r, int bits)
{
	uint64_t half = 1ull << (bits - 1);

	if (tnum_is_const(r->var)) {
		uint64_t v = r->var.value & ((half << 1) - 1);

		var_const(r, (v ^ half) - half);
		return;
	}
	if (r->umax < half)
		return; /* non-negative in the narrow type: unchanged */
	var_unknown(r);
	r->smin = -(int64_t)half;
	r->smax = (int64_t)half - 1;
	vreg_sync(r);
}

static uint64_t bswap_n(uint64_t v, int bits)
{
	switch (bits) {
	case 16:
		return __builtin_bswap16((uint16_t)v);
	case 32:
		return __builtin_bswap32((uint32_t)v);
	default:
		return __builtin_bswap64(v);
	}
}

static void scalar_add(struct vreg *d, const struct vreg *s)
{
	int64_t smin, smax;
	bool sovf = __builtin_add_overflow(d->smin, s->smin, &smin) ||
		    __builtin_add_overflow(d->smax, s->smax, &smax);
	uint64_t umin = d->umin + s->umin, umax = d->umax + s->umax;
	bool uovf = umin < d->umin || umax < d->umax;

	d->var = tnum_add(d->var, s->var);
	d->smin = sovf ? INT64_MIN : smin;
	d->smax = sovf ? INT64_MAX : smax;
	d->umin = uovf ? 0 : umin;
	d->umax = uovf ? UINT64_MAX : umax;
}

static void scalar_sub(struct vreg *d, const struct vreg *s)
{
	int64_t smin, smax;
	bool sovf = __builtin_sub_overflow(d->smin, s->smax, &smin) ||
		    __builtin_sub_overflow(d->smax, s->smin, &smax);
	bool uovf = d->umin < s->umax;
	uint64_t umin = d->umin - s->umax, umax = d->umax - s->umin;

	d->var = tnum_sub(d->var, s->var);
	d->smin = sovf ? INT64_MIN : smin;
	d->smax = sovf ? INT64_MAX : smax;
	d->umin = uovf ? 0 : umin;
	d->umax = uovf ? UINT64_MAX : umax;
}

static void scalar_mul(struct vreg *d, const struct vreg *s)
{
	uint64_t umax;

	if (tnum_is_const(d->var) && tnum_is_const(s->var)) {
		var_const(d, d->var.value * s->var.value);
		return;
	}
	if (__builtin_mul_overflow(d->umax, s->umax, &umax) || (int64_t)umax < 0) {
		var_unknown(d);
		return;
	}
	d->umin = d->umin * s->umin;
	d->umax = umax;
	d->smin = (int64_t)d->umin;
	d->smax = (int64_t)d->umax;
	d->var = tnum_range(d->umin, d->umax);
}

/* 64-bit operation on scalars (both already cast for 32-bit ops). */
static void alu64(struct vreg *d, const struct vreg *s, uint8_t op, int16_t off)
{
	bool sconst = tnum_is_const(s->var), dconst = tnum_is_const(d->var);
	uint64_t k = s->var.value;

	switch (op) {
	case BPF_ADD:
		scalar_add(d, s);
		break;
	case BPF_SUB:
		scalar_sub(d, s);
		break;
	case BPF_MUL:
		scalar_mul(d, s);
		break;
	case BPF_AND:
		d->var = tnum_and(d->var, s->var);
		var_from_tnum(d);
		break;
	case BPF_OR:
		d->var = tnum_or(d->var, s->var);
		var_from_tnum(d);
		break;
	case BPF_XOR:
		d->var = tnum_xor(d->var, s->var);
		var_from_tnum(d);
		break;
	case BPF_DIV:
	case BPF_MOD:
		if (off) { /* signed */
			if (sconst && dconst && k) {
				int64_t a = (int64_t)d->var.value, b = (int64_t)k;

				if (b == -1)
					var_const(d, op == BPF_DIV ? (uint64_t)0 - (uint64_t)a : 0);
				else
					var_const(d, (uint64_t)(op == BPF_DIV ? a / b : a % b));
			} else if (sconst && !k) {
				if (op == BPF_DIV)
					var_const(d, 0);
			} else {
				var_unknown(d);
			}
			break;
		}
		if (sconst && k) {
			if (op == BPF_DIV) {
				d->umin /= k;
				d->umax /= k;
				d->var = tnum_range(d->umin, d->umax);
			} else if (dconst) {
				var_const(d, d->var.value % k);
			} else {
				d->umin = 0;
				d->umax = min_u(d->umax, k - 1);
				d->var = tnum_range(0, d->umax);
			}
			d->smin = INT64_MIN;
			d->smax = INT64_MAX;
		} else if (sconst && !k) {
			if (op == BPF_DIV)
				var_const(d, 0); /* division by zero gives 0; modulo keeps dst */
		} else {
			/* quotient and remainder never exceed the dividend (x / 0 = 0, x % 0 = x) */
			d->umin = 0;
			d->var = tnum_range(0, d->umax);
			d->smin = INT64_MIN;
			d->smax = INT64_MAX;
		}
		break;
	case BPF_LSH:
		if (!sconst || k > 63) {
			var_unknown(d);
		} else if (dconst) {
			var_const(d, d->var.value << k);
		} else {
			d->var = (struct tnum){ d->var.value << k, d->var.mask << k };
			if (k && (d->umax >> (64 - k))) {
				var_from_tnum(d);
			} else {
				d->umin <<= k;
				d->umax <<= k;
				d->smin = INT64_MIN;
				d->smax = INT64_MAX;
			}
		}
		break;
	case BPF_RSH:
		if (!sconst || k > 63) {
			var_unknown(d);
		} else {
			d->var = (struct tnum){ d->var.value >> k, d->var.mask >> k };
			d->umin >>= k;
			d->umax >>= k;
			d->smin = INT64_MIN;
			d->smax = INT64_MAX;
		}
		break;
	case BPF_ARSH:
		if (!sconst || k > 63) {
			var_unknown(d);
		} else {
			d->var = (struct tnum){ (uint64_t)((int64_t)d->var.value >> k),
						(uint64_t)((int64_t)d->var.mask >> k) };
			d->smin >>= k;
			d->smax >>= k;
			d->umin = 0;
			d->umax = UINT64_MAX;
		}
		break;
	case BPF_NEG:
		if (dconst)
			var_const(d, (uint64_t)0 - d->var.value);
		else
			var_unknown(d);
		break;
	default:
		var_unknown(d);
	}
	if (!vreg_sync(d))
		var_unknown(d);
}

void vreg_scalar_alu(struct vreg *dst, const struct vreg *src, uint8_t op, bool is64, int16_t off)
{
	struct vreg s;
	uint32_t id = 0;

	(void)id;
	dst->id = 0;
	dst->stale = 0;
	if (op == BPF_MOV) {
		s = *src;
		if (!is64) {
			if (off) {
				s.var = tnum_cast(s.var, off / 8);
				var_from_tnum(&s);
				vreg_sync(&s);
				sext(&s, off);
			}
			s.id = 0;
			vreg_zext32(&s);
		} else if (off) {
			s.id = 0;
			sext(&s, off);
		}
		*dst = s;
		return;
	}
	if (op == BPF_END) {
		/* src->var.value carries the width; off is 1 for bswap (ALU64) or to-BE */
		int bits = (int)src->var.value;

		if (off) {
			if (tnum_is_const(dst->var)) {
				var_const(dst, bswap_n(dst->var.value, bits));
			} else {
				var_unknown(dst);
				if (bits < 64)
					vreg_mark_load(dst, bits / 8, false);
			}
		} else if (bits < 64) {
			dst->var = tnum_cast(dst->var, bits / 8);
			var_from_tnum(dst);
			vreg_sync(dst);
		}
		return;
	}
	if (is64) {
		alu64(dst, src, op, off);
		return;
	}
	/* 32-bit: operate on the zero-extended low halves, keep the low half of the result */
	s = *src;
	vreg_zext32(&s);
	vreg_zext32(dst);
	if (op == BPF_ARSH || off) {
		/* signed 32-bit operations: exact for constants, else any 32-bit value */
		if (tnum_is_const(dst->var) && tnum_is_const(s.var)) {
			int32_t a = (int32_t)dst->var.value, b = (int32_t)s.var.value;
			uint32_t r;

			if (op == BPF_ARSH)
				r = (uint32_t)(a >> (b & 31));
			else if (!b)
				r = op == BPF_DIV ? 0 : (uint32_t)a;
			else if (b == -1)
				r = op == BPF_DIV ? (uint32_t)0 - (uint32_t)a : 0;
			else
				r = (uint32_t)(op == BPF_DIV ? a / b : a % b);
			var_const(dst, r);
		} else {
			vreg_mark_load(dst, 4, false);
		}
		return;
	}
	if ((op == BPF_LSH || op == BPF_RSH) && tnum_is_const(s.var) && s.var.value > 31) {
		vreg_mark_load(dst, 4, false);
		return;
	}
	alu64(dst, &s, op, 0);
	vreg_zext32(dst);
}

void vreg_var_add(struct vreg *dst, const struct vreg *src, bool sub)
{
	if (sub)
		scalar_sub(dst, src);
	else
		scalar_add(dst, src);
	if (!vreg_sync(dst))
		var_unknown(dst);
}

/* a OP b holds: tighten both. */
static bool refine(struct vreg *a, struct vreg *b, uint8_t op)
{
	switch (op) {
	case BPF_JEQ:
		a->umin = b->umin = max_u(a->umin, b->umin);
		a->umax = b->umax = min_u(a->umax, b->umax);
		a->smin = b->smin = max_s(a->smin, b->smin);
		a->smax = b->smax = min_s(a->smax, b->smax);
		if ((a->var.value ^ b->var.value) & ~(a->var.mask | b->var.mask))
			return false;
		a->var = b->var = tnum_intersect(a->var, b->var);
		break;
	case BPF_JNE:
		if (tnum_is_const(b->var)) {
			uint64_t k = b->var.value;

			if (tnum_is_const(a->var) && a->var.value == k)
				return false;
			if (a->umin == k)
				a->umin++;
			else if (a->umax == k)
				a->umax--;
			if (a->smin == (int64_t)k)
				a->smin++;
			else if (a->smax == (int64_t)k)
				a->smax--;
		} else if (tnum_is_const(a->var)) {
			return refine(b, a, BPF_JNE);
		}
		break;
	case BPF_JGT:
		if (a->umax == 0 || b->umin == UINT64_MAX)
			return false;
		a->umin = max_u(a->umin, b->umin + 1);
		b->umax = min_u(b->umax, a->umax - 1);
		break;
	case BPF_JGE:
		a->umin = max_u(a->umin, b->umin);
		b->umax = min_u(b->umax, a->umax);
		break;
	case BPF_JLT:
		return refine(b, a, BPF_JGT);
	case BPF_JLE:
		return refine(b, a, BPF_JGE);
	case BPF_JSGT:
		if (a->smax == INT64_MIN || b->smin == INT64_MAX)
			return false;
		a->smin = max_s(a->smin, b->smin + 1);
		b->smax = min_s(b->smax, a->smax - 1);
		break;
	case BPF_JSGE:
		a->smin = max_s(a->smin, b->smin);
		b->smax = min_s(b->smax, a->smax);
		break;
	case BPF_JSLT:
		return refine(b, a, BPF_JSGT);
	case BPF_JSLE:
		return refine(b, a, BPF_JSGE);
	case BPF_JSET:
		if (tnum_is_const(b->var)) {
			uint64_t k = b->var.value;

			if (!(k & (a->var.value | a->var.mask)))
				return false; /* no bit of k can be set */
			if (__builtin_popcountll(k) == 1) {
				a->var.value |= k;
				a->var.mask &= ~k;
			}
		}
		break;
	case BPF_JSET | 0x1: /* negated JSET: (a & b) == 0 */
		if (tnum_is_const(b->var)) {
			uint64_t k = b->var.value;

			if (a->var.value & k)
				return false;
			a->var.value &= ~k;
			a->var.mask &= ~k;
		}
		break;
	}
	return vreg_sync(a) && vreg_sync(b);
}

bool vreg_refine(struct vreg *a, struct vreg *b, uint8_t op, bool neg)
{
	static const uint8_t negated[16] = {
		[BPF_JEQ >> 4] = BPF_JNE,   [BPF_JNE >> 4] = BPF_JEQ,	[BPF_JGT >> 4] = BPF_JLE,
		[BPF_JGE >> 4] = BPF_JLT,   [BPF_JLT >> 4] = BPF_JGE,	[BPF_JLE >> 4] = BPF_JGT,
		[BPF_JSGT >> 4] = BPF_JSLE, [BPF_JSGE >> 4] = BPF_JSLT, [BPF_JSLT >> 4] = BPF_JSGE,
		[BPF_JSLE >> 4] = BPF_JSGT,
	};

	if (neg)
		op = op == BPF_JSET ? (BPF_JSET | 0x1) : negated[op >> 4];
	return refine(a, b, op);
}

bool vreg_range_within(const struct vreg *old, const struct vreg *cur)
{
	return old->umin <= cur->umin && old->umax >= cur->umax && old->smin <= cur->smin &&
	       old->smax >= cur->smax && tnum_in(old->var, cur->var);
}

const char *vtype_name(uint8_t type)
{
	static const char *const names[] = {
		[VT_NOT_INIT] = "not_init", [VT_SCALAR] = "scalar",	[VT_CTX] = "ctx",
		[VT_PKT] = "pkt",	    [VT_PKT_END] = "pkt_end",	[VT_PKT_META] = "pkt_meta",
		[VT_MAP_PTR] = "map_ptr",   [VT_MAP_VALUE] = "map_value", [VT_STACK] = "fp",
		[VT_MEM] = "mem",	    [VT_FUNC] = "func",
	};

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "?";
}

/* ",umin=..,umax=.." etc. for the parts of a value that say something. */
static int describe_var(const struct vreg *r, char *buf, size_t sz, bool lead)
{
	int n = 0;
	const char *sep = lead ? "," : "";

#define PUT(...)                                                                                   \
	do {                                                                                       \
		n += snprintf(buf + n, (size_t)n < sz ? sz - (size_t)n : 0, __VA_ARGS__);          \
		sep = ",";                                                                         \
	} while (0)
	if (tnum_is_const(r->var)) {
		PUT("%svar=%lld", sep, (long long)r->var.value);
		return n;
	}
	if (r->smin != INT64_MIN && r->smin != (int64_t)r->umin)
		PUT("%ssmin=%lld", sep, (long long)r->smin);
	if (r->smax != INT64_MAX && r->smax != (int64_t)r->umax)
		PUT("%ssmax=%lld", sep, (long long)r->smax);
	if (r->umin)
		PUT("%sumin=%llu", sep, (unsigned long long)r->umin);
	if (r->umax != UINT64_MAX)
		PUT("%sumax=%llu", sep, (unsigned long long)r->umax);
	if (r->var.mask != ~0ull && (r->var.value || ~r->var.mask != ~(r->umax | (r->umax - 1))))
		PUT("%svar_off=(0x%llx; 0x%llx)", sep, (unsigned long long)r->var.value,
		    (unsigned long long)r->var.mask);
#undef PUT
	return n;
}

int vreg_describe(const struct vreg *r, char *buf, size_t sz)
{
	int n = 0;

#define PUT(...) (n += snprintf(buf + n, (size_t)n < sz ? sz - (size_t)n : 0, __VA_ARGS__))
	if (r->type == VT_SCALAR) {
		if (tnum_is_const(r->var))
			return PUT("%lld", (long long)r->var.value);
		PUT("scalar(");
		n += describe_var(r, buf + n, (size_t)n < sz ? sz - (size_t)n : 0, false);
		if (r->id)
			PUT(",id=%u", r->id);
		return PUT(")");
	}
	if (r->type == VT_NOT_INIT)
		return PUT("?");
	PUT("%s%s", vtype_name(r->type), r->flags & VR_MAYBE_NULL ? "_or_null" : "");
	if (r->type == VT_STACK) {
		PUT("%d", r->off);
		if (r->frameno)
			PUT("@frame%u", r->frameno);
		return n;
	}
	PUT("(");
	if (r->type == VT_FUNC)
		return PUT("subprog=%u)", r->range);
	if (r->map)
		PUT("map=%s,%s", r->map->name, r->flags & VR_INNER_MAP ? "inner," : "");
	if (r->type == VT_MAP_VALUE && !(r->flags & VR_INNER_MAP))
		PUT("ks=%u,vs=%u,", r->map->key_size, r->map->value_size);
	else if (r->type == VT_MAP_VALUE)
		PUT("ks=%u,vs=%u,", r->map->inner_key_size, r->map->inner_value_size);
	PUT("off=%d", r->off);
	if (r->type == VT_PKT || r->type == VT_PKT_META)
		PUT(",r=%u", r->range);
	if (r->type == VT_MEM)
		PUT(",size=%u", r->range);
	if (r->id)
		PUT(",id=%u", r->id);
	if (r->ref_id)
		PUT(",ref=%u", r->ref_id);
	if (!(tnum_is_const(r->var) && r->var.value == 0))
		n += describe_var(r, buf + n, (size_t)n < sz ? sz - (size_t)n : 0, true);
	return PUT(")");
#undef PUT
}
