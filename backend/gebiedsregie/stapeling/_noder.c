/* Snap-rounded noding of polygon boundaries on an integer grid, and the faces it makes.
 *
 * Noding is Hobby's snap rounding. Vertices are rounded to the grid. Every vertex, and every
 * proper crossing of two segments rounded to the grid, is a hot pixel: the closed unit
 * square around a grid point. Each segment is cut at the centres of all hot pixels it
 * passes through, in order along it; the pieces are kept once and chained into lines
 * through nodes of degree two. The lines meet only at their end points, which are grid
 * points, so equal nodes are equal doubles, and no two pieces cross: the arrangement is
 * consistent by construction. Exact: integer coordinates, orientation tests in 128 bits.
 * Candidates are found in a uniform grid of cells a few segments wide.
 *
 * The faces are then traced in the half-edge graph of the lines, without dangles (lines
 * with a free end): the cycles of next(h), the half-edge just clockwise of h's twin at h's
 * head, so bounded faces come out counter-clockwise and the outer boundaries clockwise.
 *
 * Last, the inputs covering each face: crossing a line toggles the inputs whose boundary
 * runs along it an odd number of times, so each connected part is walked from its outer
 * ring, whose outside is taken as covered by nothing (the caller completes the sets of
 * parts nested in a face with that face's set).
 *
 * node(xy, ring, owner, scale, threads) -> (coords, line_start, ring_xy, ring_size, ring_area,
 *     ring_pinched, half_ring, set_start, set, ring_part, line_length, point_node, lines)
 *   xy: float64 buffer of n points (x, y), ring after ring, each closed by repeating its
 *   first point; ring: int64 offsets, ring r being points ring[r] .. ring[r + 1] - 1;
 *   owner: int64, the input of each ring. scale: grid units per coordinate unit (1000 for
 *   millimetres in metres). threads: how many threads find crossings and hot pixels.
 *   coords, line_start: the noded lines (float64 pairs; int64 offsets, line l being points
 *   line_start[l] .. line_start[l + 1] - 1); lines: their count.
 *   ring_xy: float64 pairs of every ring, without the closing point; ring_size: int64
 *   points per ring; ring_area: float64 signed area (positive: counter-clockwise);
 *   ring_pinched: uint8, 1 where the ring passes a node twice; half_ring: int64 ring of
 *   each half-edge (2l along line l, 2l + 1 against it), -1 for a dropped dangle.
 *   set_start, set: int64, the sorted inputs of ring r's face, relative to its part, are
 *   set[set_start[r] : set_start[r + 1]]; ring_part: int64, the outer ring of its part.
 *   line_length: float64, the length of each line; point_node: int64, the node of each
 *   point of the lines (for `trace_lines`).
 * The GIL is released while it works, so threads can run it in parallel.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef int64_t i64;
typedef uint64_t u64;
typedef __int128 i128;

typedef uint32_t u32;
#define NONE UINT32_MAX

typedef struct {
    void *v;
    size_t len, cap, size;
} Vec;

static void *vec_next(Vec *vec) {
    if (vec->len == vec->cap) {
        size_t cap = vec->cap ? 2 * vec->cap : 1024;
        void *grown = realloc(vec->v, cap * vec->size);
        if (!grown) return NULL;
        vec->v = grown;
        vec->cap = cap;
    }
    return (char *)vec->v + vec->size * vec->len++;
}

#define KEY(x, y) (((u64)(x) << 32) | (u64)(y))
#define KX(k) ((i64)((k) >> 32))
#define KY(k) ((i64)((k) & 0xffffffffu))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

static inline i128 cross(i64 ax, i64 ay, i64 bx, i64 by, i64 cx, i64 cy) {
    return (i128)(bx - ax) * (cy - ay) - (i128)(by - ay) * (cx - ax);
}

/* Whether segment a-b touches the closed box [x0, x1] x [y0, y1]: their bounding boxes
 * meet and the box has corners on both sides of (or on) the line. */
static int touches_box(i64 ax, i64 ay, i64 bx, i64 by, i64 x0, i64 y0, i64 x1, i64 y1) {
    if (MIN(ax, bx) > x1 || MAX(ax, bx) < x0 || MIN(ay, by) > y1 || MAX(ay, by) < y0) return 0;
    i128 dx = bx - ax, dy = by - ay;
    i128 c0 = dx * (y0 - ay) - dy * (x0 - ax), c1 = dx * (y0 - ay) - dy * (x1 - ax);
    i128 c2 = dx * (y1 - ay) - dy * (x0 - ax), c3 = dx * (y1 - ay) - dy * (x1 - ax);
    return !((c0 > 0 && c1 > 0 && c2 > 0 && c3 > 0) || (c0 < 0 && c1 < 0 && c2 < 0 && c3 < 0));
}

/* Round a rational p / q (q > 0, p >= 0) half up. */
static inline i64 round_div(i128 p, i128 q) { return (i64)((2 * p + q) / (2 * q)); }

typedef struct {
    u32 seg, node;
    double t;
} Hit;

enum {
    COORDS, LINE_START, RING_XY, RING_SIZE, RING_AREA, RING_PINCHED, HALF_RING,
    SET_START, SET, RING_COMPONENT, LINE_LENGTH, POINT_NODE, OUTPUTS
};

typedef struct {
    /* input */
    const double *xy;
    size_t n;
    const i64 *ring;  /* ring r is points ring[r] .. ring[r + 1] - 1 */
    const i64 *owner; /* the input of each ring */
    size_t rings;
    double scale;
    int threads;
    /* output: buffers (see `node`), and the number of lines */
    void *out[OUTPUTS];
    size_t out_bytes[OUTPUTS];
    i64 lines;
    const char *error;
} Job;

static void *output(Job *job, int which, size_t count, size_t size) {
    job->out[which] = malloc((count ? count : 1) * size);
    job->out_bytes[which] = count * size;
    return job->out[which];
}

static int half_plane(i64 dx, i64 dy) { return dy < 0 || (dy == 0 && dx < 0); }

/* Whether direction a comes before direction b, counter-clockwise from the positive x axis. */
static int turns_before(i64 ax, i64 ay, i64 bx, i64 by) {
    int ha = half_plane(ax, ay), hb = half_plane(bx, by);
    if (ha != hb) return ha < hb;
    return (i128)ax * by - (i128)ay * bx > 0;
}

static int group(const u32 *bucket, size_t n, size_t buckets, u32 **start, u32 **items);

/* Sorts a small array in place. */
static void sort_small(u32 *v, size_t n) {
    for (size_t a = 1; a < n; a++) {
        u32 x = v[a];
        size_t b = a;
        while (b > 0 && v[b - 1] > x) {
            v[b] = v[b - 1];
            b--;
        }
        v[b] = x;
    }
}

/* Appends the symmetric difference of two sorted sets to out (of u32; a may lie in out);
 * returns its size, or -1. */
static long long xor_into(size_t a_at, size_t na, const u32 *b, size_t nb, Vec *out) {
    while (out->cap < out->len + na + nb) { /* room first: a must not move while read */
        size_t cap = out->cap ? 2 * out->cap : 1024;
        void *grown = realloc(out->v, cap * out->size);
        if (!grown) return -1;
        out->v = grown;
        out->cap = cap;
    }
    const u32 *a = (const u32 *)out->v + a_at;
    size_t i = 0, j = 0, before = out->len;
    while (i < na || j < nb) {
        u32 v;
        if (j == nb || (i < na && a[i] < b[j])) v = a[i++];
        else if (i == na || b[j] < a[i]) v = b[j++];
        else {
            i++;
            j++;
            continue;
        }
        ((u32 *)out->v)[out->len++] = v;
    }
    return (long long)(out->len - before);
}

/* The faces: rings traced in the half-edge graph of the lines (without dangles).
 * Half-edge 2l runs along line l, 2l + 1 against it; next(h) is, at h's head, the
 * half-edge just clockwise of h's twin, so bounded faces come out counter-clockwise. */
static int trace(Job *job, const u32 *pnode, const u64 *pkey, const double *coords,
                 const u32 *lstart, size_t lines, size_t nh, const u32 *lset,
                 const u32 *lset_len, const u32 *pool) {
    int status = -1;
    size_t nhalf = 2 * lines;
    u32 *ends = NULL, *end_start = NULL, *end_items = NULL, *queue = NULL, *origin = NULL;
    u32 *around_start = NULL, *around = NULL, *pos = NULL, *next = NULL, *stamp = NULL;
    i64 *dir = NULL;
    unsigned char *dead = NULL;
    i64 *half_ring = output(job, HALF_RING, nhalf, sizeof(i64));
    if (!half_ring) goto done;

    /* Dangles (a line with a free end), and chains of them, are dropped. */
    ends = malloc((nhalf ? nhalf : 1) * sizeof(u32));
    dead = calloc(lines ? lines : 1, 1);
    queue = malloc((nhalf ? nhalf : 1) * sizeof(u32));
    if (!ends || !dead || !queue) goto done;
    for (size_t l = 0; l < lines; l++) {
        ends[2 * l] = pnode[lstart[l]];
        ends[2 * l + 1] = pnode[lstart[l + 1] - 1];
    }
    if (group(ends, nhalf, nh, &end_start, &end_items)) goto done;
    u32 *alive = calloc(nh ? nh : 1, sizeof(u32));
    if (!alive) goto done;
    size_t queued = 0;
    for (size_t h = 0; h < nh; h++) {
        alive[h] = end_start[h + 1] - end_start[h];
        if (alive[h] == 1) queue[queued++] = (u32)h;
    }
    while (queued) {
        u32 node = queue[--queued];
        if (alive[node] != 1) continue;
        for (u32 q = end_start[node]; q < end_start[node + 1]; q++) {
            u32 l = end_items[q] >> 1;
            if (dead[l]) continue;
            dead[l] = 1;
            for (int side = 0; side < 2; side++) {
                u32 other = ends[2 * l + side];
                alive[other]--;
                if (alive[other] == 1) queue[queued++] = other;
            }
            break;
        }
    }
    free(alive);

    /* Half-edges around their origin, counter-clockwise. */
    origin = malloc((nhalf ? nhalf : 1) * sizeof(u32));
    dir = malloc((2 * nhalf + 1) * sizeof(i64));
    if (!origin || !dir) goto done;
    size_t live = 0;
    for (size_t h = 0; h < nhalf; h++) {
        u32 l = (u32)(h >> 1);
        /* dead half-edges go to a bucket of their own, past the last node */
        origin[h] = dead[l] ? (u32)nh : ends[h];
        u32 from = h & 1 ? lstart[l + 1] - 1 : lstart[l];
        u32 to = h & 1 ? from - 1 : from + 1;
        dir[2 * h] = KX(pkey[to]) - KX(pkey[from]);
        dir[2 * h + 1] = KY(pkey[to]) - KY(pkey[from]);
        live += !dead[l];
    }
    if (group(origin, nhalf, nh + 1, &around_start, &around)) goto done;
    pos = malloc((nhalf ? nhalf : 1) * sizeof(u32));
    next = malloc((nhalf ? nhalf : 1) * sizeof(u32));
    if (!pos || !next) goto done;
    for (size_t v = 0; v < nh; v++) {
        u32 lo = around_start[v], hi = around_start[v + 1];
        for (u32 q = lo + 1; q < hi; q++) {
            u32 h = around[q], r = q;
            while (r > lo && turns_before(dir[2 * h], dir[2 * h + 1], dir[2 * around[r - 1]],
                                          dir[2 * around[r - 1] + 1])) {
                around[r] = around[r - 1];
                r--;
            }
            around[r] = h;
        }
        for (u32 q = lo; q < hi; q++) pos[around[q]] = q;
    }
    for (size_t h = 0; h < nhalf; h++) {
        if (dead[h >> 1]) continue;
        u32 twin = (u32)(h ^ 1), v = origin[twin];
        u32 lo = around_start[v], size = around_start[v + 1] - lo;
        next[h] = around[lo + (pos[twin] - lo + size - 1) % size];
    }

    /* The rings: each cycle of next, its points, signed area, and whether it is pinched
     * (passes a node twice: a hole touching its shell). */
    size_t points = 0;
    for (size_t h = 0; h < nhalf; h++)
        if (!dead[h >> 1]) points += lstart[(h >> 1) + 1] - lstart[h >> 1] - 1;
    double *xy = output(job, RING_XY, 2 * points, sizeof(double));
    i64 *ring_size = output(job, RING_SIZE, live, sizeof(i64));
    double *ring_area = output(job, RING_AREA, live, sizeof(double));
    unsigned char *pinched = output(job, RING_PINCHED, live, 1);
    stamp = malloc((nh ? nh : 1) * sizeof(u32));
    if (!xy || !ring_size || !ring_area || !pinched || !stamp) goto done;
    for (size_t v = 0; v < nh; v++) stamp[v] = NONE;
    for (size_t h = 0; h < nhalf; h++) half_ring[h] = -1;
    size_t rings = 0, at = 0;
    double unit = 1.0 / (job->scale * job->scale);
    for (size_t first = 0; first < nhalf; first++) {
        if (dead[first >> 1] || half_ring[first] >= 0) continue;
        size_t ring = rings++, begin = at;
        i128 twice = 0;
        pinched[ring] = 0;
        u32 h = (u32)first;
        do {
            half_ring[h] = (i64)ring;
            if (stamp[origin[h]] == ring) pinched[ring] = 1;
            stamp[origin[h]] = (u32)ring;
            u32 l = h >> 1, lo = lstart[l], hi = lstart[l + 1] - 1;
            for (u32 k = 0; k < hi - lo; k++) {
                u32 pt = h & 1 ? hi - k : lo + k, nb = h & 1 ? hi - k - 1 : lo + k + 1;
                i64 x0 = KX(pkey[pt]), y0 = KY(pkey[pt]), x1 = KX(pkey[nb]), y1 = KY(pkey[nb]);
                twice += (i128)x0 * y1 - (i128)x1 * y0;
                xy[2 * at] = coords[2 * pt];
                xy[2 * at + 1] = coords[2 * pt + 1];
                at++;
            }
            h = next[h];
        } while (h != first);
        ring_size[ring] = (i64)(at - begin);
        ring_area[ring] = (double)twice / 2.0 * unit;
    }
    job->out_bytes[RING_SIZE] = rings * sizeof(i64);
    job->out_bytes[RING_AREA] = rings * sizeof(double);
    job->out_bytes[RING_PINCHED] = rings;

    if (!lset) { /* tracing only */
        status = 0;
        goto done;
    }

    /* The inputs covering each ring's face, relative to the outside of its connected part:
     * crossing a line toggles the inputs whose boundary runs along it. Each part is walked
     * from its outer (clockwise) ring, whose outside has the empty set. */
    {
        u32 *ring_bucket = malloc((nhalf ? nhalf : 1) * sizeof(u32));
        u32 *by_ring_start = NULL, *by_ring = NULL;
        i64 *set_start = output(job, SET_START, rings + 1, sizeof(i64));
        i64 *component = output(job, RING_COMPONENT, rings, sizeof(i64));
        u32 *rset = malloc((rings ? rings : 1) * sizeof(u32)), *rlen = NULL, *bfs = NULL;
        rlen = malloc((rings ? rings : 1) * sizeof(u32));
        bfs = malloc((rings ? rings : 1) * sizeof(u32));
        Vec sets = {NULL, 0, 0, sizeof(u32)};
        int ok = ring_bucket && set_start && component && rset && rlen && bfs;
        if (ok) {
            for (size_t h = 0; h < nhalf; h++)
                ring_bucket[h] = half_ring[h] >= 0 ? (u32)half_ring[h] : (u32)rings;
            ok = !group(ring_bucket, nhalf, rings + 1, &by_ring_start, &by_ring);
        }
        for (size_t r = 0; ok && r < rings; r++) component[r] = -1;
        for (size_t root = 0; ok && root < rings; root++) {
            if (ring_area[root] > 0 || component[root] >= 0) continue;
            size_t head = 0, tail = 0;
            bfs[tail++] = (u32)root;
            component[root] = (i64)root;
            rset[root] = 0;
            rlen[root] = 0;
            while (ok && head < tail) {
                u32 r = bfs[head++];
                for (u32 q = by_ring_start[r]; ok && q < by_ring_start[r + 1]; q++) {
                    u32 h = by_ring[q];
                    i64 other = half_ring[h ^ 1];
                    if (other < 0 || component[other] >= 0) continue;
                    u32 l = h >> 1;
                    size_t at_start = sets.len;
                    long long got = xor_into(rset[r], rlen[r], pool + lset[l],
                                             lset_len[l], &sets);
                    if (got < 0) ok = 0;
                    component[other] = (i64)root;
                    rset[other] = (u32)at_start;
                    rlen[other] = (u32)got;
                    bfs[tail++] = (u32)other;
                }
            }
        }
        i64 *set = ok ? output(job, SET, sets.len, sizeof(i64)) : NULL;
        if (ok && set) {
            size_t at_set = 0;
            for (size_t r = 0; r < rings; r++) {
                set_start[r] = (i64)at_set;
                if (component[r] < 0) continue; /* not reached: left empty */
                for (u32 k = 0; k < rlen[r]; k++)
                    set[at_set++] = ((u32 *)sets.v)[rset[r] + k];
            }
            set_start[rings] = (i64)at_set;
            job->out_bytes[SET] = at_set * sizeof(i64);
        }
        free(ring_bucket);
        free(by_ring_start);
        free(by_ring);
        free(rset);
        free(rlen);
        free(bfs);
        free(sets.v);
        if (!ok || !set) goto done;
    }
    status = 0;
done:
    if (status != 0 && !job->error) job->error = "out of memory";
    free(ends);
    free(end_start);
    free(end_items);
    free(queue);
    free(dead);
    free(origin);
    free(dir);
    free(around_start);
    free(around);
    free(pos);
    free(next);
    free(stamp);
    return status;
}

/* Counting sort: items 0..n-1 grouped by their bucket, with each bucket's start. */
static int group(const u32 *bucket, size_t n, size_t buckets, u32 **start, u32 **items) {
    *start = calloc(buckets + 1, sizeof(u32));
    *items = malloc((n ? n : 1) * sizeof(u32));
    if (!*start || !*items) return -1;
    u32 *s = *start;
    for (size_t i = 0; i < n; i++) s[bucket[i] + 1]++;
    for (size_t b = 0; b < buckets; b++) s[b + 1] += s[b];
    for (size_t i = 0; i < n; i++) (*items)[s[bucket[i]]++] = (u32)i;
    for (size_t b = buckets; b > 0; b--) s[b] = s[b - 1];
    s[0] = 0;
    return 0;
}

/* What the parallel phases read: the segments, the grid, and (for hits) the nodes. */
typedef struct {
    const i64 *X, *Y;
    const u32 *seg;
    int shift;
    i64 size, ny;
    const u32 *cell_start, *cell_seg;
    const u64 *node_key;
    const u32 *hot_start, *vid;
} Ctx;

typedef int (*Work)(const Ctx *ctx, size_t lo, size_t hi, Vec *out);

/* Each segment lo..hi in every cell whose rectangle, one unit larger all round, it
 * touches: (cell << 32 | segment). */
static int cells_work(const Ctx *c, size_t lo, size_t hi, Vec *out) {
    for (size_t s = lo; s < hi; s++) {
        i64 ax = c->X[c->seg[s]], ay = c->Y[c->seg[s]];
        i64 bx = c->X[c->seg[s] + 1], by = c->Y[c->seg[s] + 1];
        i64 x0 = (MIN(ax, bx) - 1) >> c->shift, x1 = (MAX(ax, bx) + 1) >> c->shift;
        i64 y0 = (MIN(ay, by) - 1) >> c->shift, y1 = (MAX(ay, by) + 1) >> c->shift;
        int few = (x1 - x0 + 1) * (y1 - y0 + 1) <= 2;
        for (i64 cx = x0; cx <= x1; cx++)
            for (i64 cy = y0; cy <= y1; cy++) {
                if (!few && !touches_box(ax, ay, bx, by, cx * c->size - 1, cy * c->size - 1,
                                         (cx + 1) * c->size + 1, (cy + 1) * c->size + 1))
                    continue;
                u64 *p = vec_next(out);
                if (!p) return -1;
                *p = ((u64)(cx * c->ny + cy) << 32) | s;
            }
    }
    return 0;
}

/* Proper crossings of two segments in cells lo..hi, rounded to the grid. */
static int crossings_work(const Ctx *ctx, size_t lo, size_t hi, Vec *out) {
    const i64 *X = ctx->X, *Y = ctx->Y;
    for (size_t c = lo; c < hi; c++) {
        for (u32 p = ctx->cell_start[c]; p < ctx->cell_start[c + 1]; p++) {
            u32 i = ctx->seg[ctx->cell_seg[p]];
            i64 ax = X[i], ay = Y[i], bx = X[i + 1], by = Y[i + 1];
            i64 lox = MIN(ax, bx), hix = MAX(ax, bx), loy = MIN(ay, by), hiy = MAX(ay, by);
            for (u32 q = p + 1; q < ctx->cell_start[c + 1]; q++) {
                u32 j = ctx->seg[ctx->cell_seg[q]];
                i64 cx = X[j], cy = Y[j], dx = X[j + 1], dy = Y[j + 1];
                if (MIN(cx, dx) > hix || MAX(cx, dx) < lox || MIN(cy, dy) > hiy ||
                    MAX(cy, dy) < loy)
                    continue;
                i128 o1 = cross(ax, ay, bx, by, cx, cy), o2 = cross(ax, ay, bx, by, dx, dy);
                if (o1 == 0 || o2 == 0 || (o1 > 0) == (o2 > 0)) continue;
                i128 o3 = cross(cx, cy, dx, dy, ax, ay), o4 = cross(cx, cy, dx, dy, bx, by);
                if (o3 == 0 || o4 == 0 || (o3 > 0) == (o4 > 0)) continue;
                /* a + (b - a) * o3 / (o3 - o4), with the denominator made positive. */
                i128 num = o3, den = o3 - o4;
                if (den < 0) {
                    num = -num;
                    den = -den;
                }
                u64 *k = vec_next(out);
                if (!k) return -1;
                *k = KEY(round_div((i128)ax * den + (i128)(bx - ax) * num, den),
                         round_div((i128)ay * den + (i128)(by - ay) * num, den));
            }
        }
    }
    return 0;
}

/* In cells lo..hi, every segment through every hot pixel it passes, other than its ends. */
static int hits_work(const Ctx *ctx, size_t lo, size_t hi, Vec *out) {
    const i64 *X = ctx->X, *Y = ctx->Y;
    for (size_t c = lo; c < hi; c++) {
        if (ctx->hot_start[c] == ctx->hot_start[c + 1]) continue;
        for (u32 p = ctx->cell_start[c]; p < ctx->cell_start[c + 1]; p++) {
            u32 s = ctx->cell_seg[p], i = ctx->seg[s];
            i64 ax = X[i], ay = Y[i], bx = X[i + 1], by = Y[i + 1];
            i64 lox = MIN(ax, bx), hix = MAX(ax, bx), loy = MIN(ay, by), hiy = MAX(ay, by);
            u32 ida = ctx->vid[i], idb = ctx->vid[i + 1];
            for (u32 h = ctx->hot_start[c]; h < ctx->hot_start[c + 1]; h++) {
                i64 hx = KX(ctx->node_key[h]), hy = KY(ctx->node_key[h]);
                if (hx < lox || hx > hix || hy < loy || hy > hiy || h == ida || h == idb)
                    continue;
                if (!touches_box(2 * ax, 2 * ay, 2 * bx, 2 * by, 2 * hx - 1, 2 * hy - 1,
                                 2 * hx + 1, 2 * hy + 1))
                    continue;
                Hit *hit = vec_next(out);
                if (!hit) return -1;
                hit->seg = s;
                hit->node = h;
                hit->t = (double)((i128)(hx - ax) * (bx - ax) + (i128)(hy - ay) * (by - ay));
            }
        }
    }
    return 0;
}

#define MAX_THREADS 16

typedef struct {
    const Ctx *ctx;
    Work work;
    size_t n, chunk, *next;
    Vec out;
    int failed;
} Worker;

static void *worker_main(void *arg) {
    Worker *w = arg;
    for (;;) {
        size_t lo = __atomic_fetch_add(w->next, w->chunk, __ATOMIC_RELAXED);
        if (lo >= w->n) break;
        if (w->work(w->ctx, lo, MIN(lo + w->chunk, w->n), &w->out)) {
            w->failed = 1;
            break;
        }
    }
    return NULL;
}

/* Runs `work` over 0..n in chunks taken in turn by `threads` threads (this one among
 * them), and appends what they made to `out`: in no fixed order. */
static int parallel(const Ctx *ctx, Work work, size_t n, int threads, Vec *out) {
    Worker w[MAX_THREADS];
    pthread_t tid[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    size_t next = 0;
    threads = threads < 1 ? 1 : threads > MAX_THREADS ? MAX_THREADS : threads;
    size_t chunk = n / ((size_t)threads * 64) + 1;
    for (int t = 0; t < threads; t++) {
        w[t] = (Worker){ctx, work, n, chunk, &next, {NULL, 0, 0, out->size}, 0};
        if (t > 0) started[t] = pthread_create(&tid[t], NULL, worker_main, &w[t]) == 0;
    }
    worker_main(&w[0]);
    int failed = 0;
    for (int t = 0; t < threads; t++) {
        if (t > 0 && started[t]) pthread_join(tid[t], NULL);
        failed |= w[t].failed;
    }
    for (int t = 0; t < threads; t++) {
        if (!failed && w[t].out.len) {
            if (out->cap < out->len + w[t].out.len) {
                void *grown = realloc(out->v, (out->len + w[t].out.len) * out->size);
                if (!grown) failed = 1;
                else {
                    out->v = grown;
                    out->cap = out->len + w[t].out.len;
                }
            }
            if (!failed) {
                memcpy((char *)out->v + out->len * out->size, w[t].out.v,
                       w[t].out.len * out->size);
                out->len += w[t].out.len;
            }
        }
        free(w[t].out.v);
    }
    return failed ? -1 : 0;
}

static int run(Job *job) {
    size_t n = job->n;
    int status = -1;
    i64 *X = NULL, *Y = NULL;
    u32 *seg = NULL, *bucket = NULL, *cell_start = NULL, *cell_seg = NULL, *vid = NULL;
    u32 *hot_start = NULL, *hot_items = NULL, *hit_start = NULL, *hit_order = NULL;
    u32 *efrom = NULL, *eto = NULL, *degree = NULL, *val = NULL;
    u64 *key = NULL, *node_key = NULL;
    unsigned char *keep = NULL;
    Vec pairs = {NULL, 0, 0, sizeof(u64)}, crossings = {NULL, 0, 0, sizeof(u64)};
    Vec hits = {NULL, 0, 0, sizeof(Hit)};
    u32 *pnode = NULL, *lstart = NULL, *einput = NULL, *eset = NULL, *eset_len = NULL;
    u32 *seg_owner = NULL;
    u32 *lset = NULL, *lset_len = NULL;
    u64 *pkey = NULL;
    Vec pool = {NULL, 0, 0, sizeof(u32)};
    job->lines = 0;
    if (n == 0) return 0;
    if (n >= NONE / 2) {
        job->error = "too many coordinates";
        return -1;
    }

    /* Vertices on the grid, in small local coordinates with a margin of two. */
    X = malloc(n * sizeof(i64));
    Y = malloc(n * sizeof(i64));
    if (!X || !Y) goto oom;
    i64 minx = INT64_MAX, miny = INT64_MAX, maxx = INT64_MIN, maxy = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        double x = job->xy[2 * i] * job->scale, y = job->xy[2 * i + 1] * job->scale;
        if (!(fabs(x) < 4e15 && fabs(y) < 4e15)) {
            job->error = "coordinate not finite or too large for the grid";
            goto done;
        }
        X[i] = (i64)nearbyint(x); /* half to even, as numpy rounds */
        Y[i] = (i64)nearbyint(y);
        minx = MIN(minx, X[i]);
        miny = MIN(miny, Y[i]);
        maxx = MAX(maxx, X[i]);
        maxy = MAX(maxy, Y[i]);
    }
    if (maxx - minx >= (1LL << 31) || maxy - miny >= (1LL << 31)) {
        job->error = "extent too large for the grid";
        goto done;
    }
    minx -= 2;
    miny -= 2;
    for (size_t i = 0; i < n; i++) {
        X[i] -= minx;
        Y[i] -= miny;
    }

    /* Segments: the start i of each non-degenerate piece i..i+1 of a ring, and its input. */
    seg = malloc(n * sizeof(u32));
    seg_owner = malloc(n * sizeof(u32));
    if (!seg || !seg_owner) goto oom;
    size_t ns = 0;
    double total_length = 0;
    for (size_t r = 0; r < job->rings; r++)
        for (i64 i = job->ring[r]; i + 1 < job->ring[r + 1]; i++)
            if (X[i] != X[i + 1] || Y[i] != Y[i + 1]) {
                seg_owner[ns] = (u32)job->owner[r];
                seg[ns++] = (u32)i;
                total_length += (double)(llabs(X[i + 1] - X[i]) + llabs(Y[i + 1] - Y[i]));
            }

    /* A uniform grid of square cells, a few segments long. */
    double width = (double)(maxx - minx + 4), height = (double)(maxy - miny + 4);
    double side = ns ? 2.0 * total_length / (double)ns : 4.0;
    double least = sqrt(width * height / (double)(ns + 1));
    side = MAX(MAX(side, least), 4.0);
    int shift = 2; /* cells of a power of two: a shift finds the cell */
    while ((double)(1LL << shift) < side) shift++;
    i64 size = 1LL << shift;
    i64 nx = (i64)(width / (double)size) + 2, ny = (i64)(height / (double)size) + 2;
    size_t ncells = (size_t)(nx * ny);
    if (ncells >= NONE) {
        job->error = "too many cells";
        goto done;
    }

    /* Each segment in every cell whose rectangle, one unit larger all round, it touches. */
    Ctx ctx = {X, Y, seg, shift, size, ny, NULL, NULL, NULL, NULL, NULL};
    if (parallel(&ctx, cells_work, ns, job->threads, &pairs)) goto oom;
    if (pairs.len >= NONE) goto too_large; /* indices below are 32 bits */
    bucket = calloc(pairs.len ? pairs.len : 1, sizeof(u32));
    if (!bucket) goto oom;
    for (size_t i = 0; i < pairs.len; i++) bucket[i] = (u32)(((u64 *)pairs.v)[i] >> 32);
    if (group(bucket, pairs.len, ncells, &cell_start, &cell_seg)) goto oom;
    for (size_t i = 0; i < pairs.len; i++)
        cell_seg[i] = (u32)(((u64 *)pairs.v)[cell_seg[i]] & 0xffffffffu);
    free(pairs.v);
    pairs.v = NULL;

    /* Proper crossings of two segments, rounded to the grid. */
    ctx.cell_start = cell_start;
    ctx.cell_seg = cell_seg;
    if (parallel(&ctx, crossings_work, ncells, job->threads, &crossings)) goto oom;

    /* Nodes: the distinct hot pixels (vertices and crossings), numbered cell by cell, so
     * that each cell's hot pixels are the nodes hot_start[c] .. hot_start[c + 1]. */
    size_t nk = n + crossings.len;
    if (nk >= NONE / 2) goto too_large;
    key = malloc(nk * sizeof(u64));
    vid = malloc(n * sizeof(u32));
    free(bucket);
    bucket = calloc(nk ? nk : 1, sizeof(u32));
    if (!key || !vid || !bucket) goto oom;
    for (size_t i = 0; i < n; i++) key[i] = KEY(X[i], Y[i]);
    memcpy(key + n, crossings.v, crossings.len * sizeof(u64));
    free(crossings.v);
    crossings.v = NULL;
    for (size_t i = 0; i < nk; i++)
        bucket[i] = (u32)((KX(key[i]) >> shift) * ny + (KY(key[i]) >> shift));
    if (group(bucket, nk, ncells, &hot_start, &hot_items)) goto oom;
    node_key = malloc((nk ? nk : 1) * sizeof(u64));
    if (!node_key) goto oom;
    size_t nh = 0;
    for (size_t c = 0; c < ncells; c++) {
        u32 lo = hot_start[c], hi = hot_start[c + 1];
        for (u32 q = lo + 1; q < hi; q++) { /* insertion sort of the cell's keys */
            u32 v = hot_items[q], r = q;
            while (r > lo && key[hot_items[r - 1]] > key[v]) {
                hot_items[r] = hot_items[r - 1];
                r--;
            }
            hot_items[r] = v;
        }
        hot_start[c] = (u32)nh;
        for (u32 q = lo; q < hi; q++) {
            u32 k = hot_items[q];
            if (q == lo || key[k] != key[hot_items[q - 1]]) node_key[nh++] = key[k];
            if (k < n) vid[k] = (u32)(nh - 1);
        }
    }
    hot_start[ncells] = (u32)nh;
    free(key);
    key = NULL;

    /* Every segment through every hot pixel it passes, other than its ends. */
    ctx.node_key = node_key;
    ctx.hot_start = hot_start;
    ctx.vid = vid;
    if (parallel(&ctx, hits_work, ncells, job->threads, &hits)) goto oom;
    free(cell_start);
    free(cell_seg);
    cell_start = cell_seg = NULL;

    /* The pieces of each segment, in order along it: the edges, in input order. */
    Hit *hit = hits.v;
    free(bucket);
    bucket = malloc((hits.len ? hits.len : 1) * sizeof(u32));
    if (!bucket) goto oom;
    for (size_t k = 0; k < hits.len; k++) bucket[k] = hit[k].seg;
    if (group(bucket, hits.len, ns, &hit_start, &hit_order)) goto oom;
    size_t cap = ns + hits.len;
    if (cap >= NONE / 4) goto too_large;
    efrom = malloc((cap ? cap : 1) * sizeof(u32));
    eto = malloc((cap ? cap : 1) * sizeof(u32));
    einput = malloc((cap ? cap : 1) * sizeof(u32));
    if (!efrom || !eto || !einput) goto oom;
    size_t ne = 0;
    for (size_t s = 0; s < ns; s++) {
        u32 lo = hit_start[s], hi = hit_start[s + 1];
        for (u32 a = lo + 1; a < hi; a++) { /* insertion sort by t, then node */
            u32 v = hit_order[a], b = a;
            while (b > lo && (hit[hit_order[b - 1]].t > hit[v].t ||
                              (hit[hit_order[b - 1]].t == hit[v].t &&
                               hit[hit_order[b - 1]].node > hit[v].node))) {
                hit_order[b] = hit_order[b - 1];
                b--;
            }
            hit_order[b] = v;
        }
        u32 from = vid[seg[s]];
        for (u32 a = lo; a <= hi; a++) {
            u32 to = a < hi ? hit[hit_order[a]].node : vid[seg[s] + 1];
            if (to == from) continue;
            efrom[ne] = from;
            eto[ne] = to;
            einput[ne] = seg_owner[s];
            ne++;
            from = to;
        }
    }
    free(hits.v);
    hits.v = NULL;
    /* Done with the input: let its memory go before the rest. */
    free(X);
    free(Y);
    free(seg);
    free(seg_owner);
    free(vid);
    free(hit_start);
    free(hit_order);
    X = Y = NULL;
    seg = seg_owner = vid = hit_start = hit_order = NULL;

    /* Each edge once: of its copies (in either direction), the first is kept. */
    keep = calloc(ne ? ne : 1, 1);
    degree = calloc(nh ? nh : 1, sizeof(u32));
    free(bucket);
    bucket = malloc((ne ? ne : 1) * sizeof(u32));
    if (!keep || !degree || !bucket) goto oom;
    for (size_t e = 0; e < ne; e++) bucket[e] = MIN(efrom[e], eto[e]);
    free(hot_start);
    free(hot_items);
    hot_start = hot_items = NULL;
    if (group(bucket, ne, nh, &hot_start, &hot_items)) goto oom;
    eset = malloc((ne ? ne : 1) * sizeof(u32));
    eset_len = calloc(ne ? ne : 1, sizeof(u32));
    if (!eset || !eset_len) goto oom;
    for (size_t h = 0; h < nh; h++)
        for (u32 q = hot_start[h]; q < hot_start[h + 1]; q++) {
            u32 e = hot_items[q], other = MAX(efrom[e], eto[e]), r = hot_start[h];
            while (r < q && MAX(efrom[hot_items[r]], eto[hot_items[r]]) != other) r++;
            if (r < q) continue; /* group keeps input order: the first copy came earlier */
            keep[e] = 1;
            degree[efrom[e]]++;
            degree[eto[e]]++;
            /* The inputs along it: those with an odd number of copies. */
            size_t first = pool.len;
            for (u32 c = q; c < hot_start[h + 1]; c++) {
                u32 copy = hot_items[c];
                if (MAX(efrom[copy], eto[copy]) != other) continue;
                u32 *slot = vec_next(&pool);
                if (!slot) goto oom;
                *slot = einput[copy];
            }
            u32 *mine = (u32 *)pool.v + first;
            size_t count = pool.len - first, odd = 0;
            sort_small(mine, count);
            for (size_t c = 0; c < count;) {
                size_t d = c;
                while (d < count && mine[d] == mine[c]) d++;
                if ((d - c) & 1) mine[odd++] = mine[c];
                c = d;
            }
            pool.len = first + odd;
            eset[e] = (u32)first;
            eset_len[e] = (u32)odd;
        }

    /* Lines: runs of consecutive kept edges joined at nodes of degree two. */
    pnode = malloc((2 * ne + 1) * sizeof(u32));
    lstart = malloc((ne + 2) * sizeof(u32));
    lset = malloc((ne + 1) * sizeof(u32));
    lset_len = malloc((ne + 1) * sizeof(u32));
    if (!pnode || !lstart || !lset || !lset_len) goto oom;
    size_t out = 0, lines = 0;
    u32 last = NONE;
    for (size_t e = 0; e < ne; e++) {
        if (!keep[e]) continue;
        if (!(last == efrom[e] && degree[last] == 2)) {
            lset[lines] = eset[e];
            lset_len[lines] = eset_len[e];
            lstart[lines++] = (u32)out;
            pnode[out++] = efrom[e];
        }
        pnode[out++] = eto[e];
        last = eto[e];
    }
    lstart[lines] = (u32)out;
    double *coords = output(job, COORDS, 2 * out, sizeof(double));
    i64 *line_start = output(job, LINE_START, lines + 1, sizeof(i64));
    if (!coords || !line_start) goto oom;
    for (size_t l = 0; l <= lines; l++) line_start[l] = lstart[l];
    double *length = output(job, LINE_LENGTH, lines, sizeof(double));
    i64 *point_node = output(job, POINT_NODE, out, sizeof(i64));
    if (!point_node) goto oom;
    for (size_t k = 0; k < out; k++) point_node[k] = pnode[k];
    pkey = malloc((out ? out : 1) * sizeof(u64));
    if (!length || !pkey) goto oom;
    double ox = (double)minx, oy = (double)miny;
    for (size_t l = 0; l < lines; l++) {
        double sum = 0;
        for (u32 k = lstart[l]; k < lstart[l + 1]; k++) {
            pkey[k] = node_key[pnode[k]];
            i64 x = KX(pkey[k]), y = KY(pkey[k]);
            coords[2 * k] = ((double)x + ox) / job->scale;
            coords[2 * k + 1] = ((double)y + oy) / job->scale;
            if (k > lstart[l]) {
                double dx = (double)(x - KX(pkey[k - 1])), dy = (double)(y - KY(pkey[k - 1]));
                sum += sqrt(dx * dx + dy * dy);
            }
        }
        length[l] = sum / job->scale;
    }
    job->lines = (i64)lines;
    free(efrom);
    free(eto);
    free(einput);
    free(eset);
    free(eset_len);
    free(degree);
    free(keep);
    free(node_key);
    free(hot_start);
    free(hot_items);
    efrom = eto = einput = eset = eset_len = degree = hot_start = hot_items = NULL;
    keep = NULL;
    node_key = NULL;
    if (trace(job, pnode, pkey, coords, lstart, lines, nh, lset, lset_len, pool.v)) goto done;
    status = 0;
    goto done;
too_large:
    job->error = "too many segments, crossings or pieces for one noding";
    goto done;
oom:
    job->error = "out of memory";
done:
    if (status != 0)
        for (int k = 0; k < OUTPUTS; k++) {
            free(job->out[k]);
            job->out[k] = NULL;
        }
    free(pnode);
    free(lstart);
    free(seg_owner);
    free(einput);
    free(eset);
    free(eset_len);
    free(lset);
    free(lset_len);
    free(pkey);
    free(pool.v);
    free(X);
    free(Y);
    free(seg);
    free(bucket);
    free(cell_start);
    free(cell_seg);
    free(vid);
    free(hot_start);
    free(hot_items);
    free(hit_start);
    free(hit_order);
    free(efrom);
    free(eto);
    free(degree);
    free(val);
    free(key);
    free(node_key);
    free(keep);
    free(pairs.v);
    free(crossings.v);
    free(hits.v);
    return status;
}

static PyObject *node(PyObject *self, PyObject *args) {
    Py_buffer xy, line, owner;
    double scale;
    int threads;
    if (!PyArg_ParseTuple(args, "y*y*y*di", &xy, &line, &owner, &scale, &threads)) return NULL;
    PyObject *result = NULL;
    size_t n = (size_t)xy.len / (2 * sizeof(double));
    size_t rings = (size_t)owner.len / sizeof(i64);
    const i64 *offsets = line.buf;
    int valid = (size_t)xy.len == n * 2 * sizeof(double) &&
                (size_t)line.len == (rings + 1) * sizeof(i64) && offsets[0] == 0 &&
                offsets[rings] == (i64)n;
    for (size_t r = 0; valid && r < rings; r++)
        valid = offsets[r + 1] >= offsets[r] && ((const i64 *)owner.buf)[r] >= 0 &&
                ((const i64 *)owner.buf)[r] < (i64)(NONE / 2);
    if (!valid) {
        PyErr_SetString(PyExc_ValueError,
                        "node: xy must hold n float64 pairs, ring n + 1 increasing offsets "
                        "from 0 to n, owner an input number per ring");
        goto end;
    }
    if (!(scale > 0)) {
        PyErr_SetString(PyExc_ValueError, "scale must be positive");
        goto end;
    }
    Job job = {xy.buf, n, offsets, owner.buf, rings, scale, threads, {NULL}, {0}, 0, NULL};
    int status;
    Py_BEGIN_ALLOW_THREADS status = run(&job);
    Py_END_ALLOW_THREADS if (status != 0) {
        PyErr_SetString(strcmp(job.error, "out of memory") == 0 ? PyExc_MemoryError
                                                                  : PyExc_ValueError,
                        job.error);
        goto end;
    }
    result = PyTuple_New(OUTPUTS + 1);
    for (int k = 0; result && k < OUTPUTS; k++) {
        PyObject *bytes = PyBytes_FromStringAndSize(job.out[k] ? (const char *)job.out[k] : "",
                                                    (Py_ssize_t)job.out_bytes[k]);
        if (!bytes) Py_CLEAR(result);
        else PyTuple_SET_ITEM(result, k, bytes);
    }
    if (result) {
        PyObject *lines = PyLong_FromLongLong(job.lines);
        if (!lines) Py_CLEAR(result);
        else PyTuple_SET_ITEM(result, OUTPUTS, lines);
    }
    for (int k = 0; k < OUTPUTS; k++) free(job.out[k]);
end:
    PyBuffer_Release(&xy);
    PyBuffer_Release(&line);
    PyBuffer_Release(&owner);
    return result;
}

/* Rings of lines already noded: trace_lines(coords, lstart, node, scale) ->
 * (ring_xy, ring_size, ring_area, ring_pinched, half_ring), as `node` gives them; the
 * points of line l are coords[lstart[l] : lstart[l + 1]], node: int64 node of each point
 * (equal points, equal nodes; numbers need not be dense). */
static PyObject *trace_lines(PyObject *self, PyObject *args) {
    Py_buffer xy, start, pnode_in;
    double scale;
    if (!PyArg_ParseTuple(args, "y*y*y*d", &xy, &start, &pnode_in, &scale)) return NULL;
    PyObject *result = NULL;
    size_t n = (size_t)xy.len / (2 * sizeof(double));
    size_t lines = (size_t)start.len / sizeof(i64);
    lines = lines ? lines - 1 : 0;
    const double *coords = xy.buf;
    const i64 *ls = start.buf, *pn = pnode_in.buf;
    u32 *pnode = malloc((n ? n : 1) * sizeof(u32)), *lstart = malloc((lines + 1) * sizeof(u32));
    u64 *pkey = malloc((n ? n : 1) * sizeof(u64));
    Job job = {NULL, n, NULL, NULL, 0, scale, 1, {NULL}, {0}, 0, NULL};
    int status = -1;
    if (!pnode || !lstart || !pkey) {
        PyErr_NoMemory();
        goto end;
    }
    if ((size_t)pnode_in.len != n * sizeof(i64) || n >= NONE / 2 || !(scale > 0) ||
        (lines && (ls[0] != 0 || (size_t)ls[lines] != n))) {
        PyErr_SetString(PyExc_ValueError, "trace_lines: inconsistent buffers");
        goto end;
    }
    i64 nh = 0, minx = INT64_MAX, miny = INT64_MAX;
    for (size_t k = 0; k < n; k++) {
        if (pn[k] < 0 || pn[k] >= (i64)(NONE / 2)) {
            PyErr_SetString(PyExc_ValueError, "trace_lines: node out of range");
            goto end;
        }
        pnode[k] = (u32)pn[k];
        nh = MAX(nh, pn[k] + 1);
        minx = MIN(minx, (i64)nearbyint(coords[2 * k] * scale));
        miny = MIN(miny, (i64)nearbyint(coords[2 * k + 1] * scale));
    }
    for (size_t l = 0; l <= lines; l++) {
        if (l > 0 && ls[l] < ls[l - 1] + 2) {
            PyErr_SetString(PyExc_ValueError, "trace_lines: a line of fewer than two points");
            goto end;
        }
        lstart[l] = (u32)ls[l];
    }
    for (size_t k = 0; k < n; k++) {
        i64 x = (i64)nearbyint(coords[2 * k] * scale) - minx;
        i64 y = (i64)nearbyint(coords[2 * k + 1] * scale) - miny;
        if (x >= (1LL << 31) || y >= (1LL << 31)) {
            PyErr_SetString(PyExc_ValueError, "extent too large for the grid");
            goto end;
        }
        pkey[k] = KEY(x, y);
    }
    Py_BEGIN_ALLOW_THREADS status =
        trace(&job, pnode, pkey, coords, lstart, lines, (size_t)nh, NULL, NULL, NULL);
    Py_END_ALLOW_THREADS if (status != 0) {
        PyErr_NoMemory();
        goto end;
    }
    int which[] = {RING_XY, RING_SIZE, RING_AREA, RING_PINCHED, HALF_RING};
    result = PyTuple_New(5);
    for (int k = 0; result && k < 5; k++) {
        void *buf = job.out[which[k]];
        PyObject *bytes = PyBytes_FromStringAndSize(buf ? (const char *)buf : "",
                                                    (Py_ssize_t)job.out_bytes[which[k]]);
        if (!bytes) Py_CLEAR(result);
        else PyTuple_SET_ITEM(result, k, bytes);
    }
end:
    for (int k = 0; k < OUTPUTS; k++) free(job.out[k]);
    free(pnode);
    free(lstart);
    free(pkey);
    PyBuffer_Release(&xy);
    PyBuffer_Release(&start);
    PyBuffer_Release(&pnode_in);
    return result;
}

static PyMethodDef methods[] = {
    {"node", node, METH_VARARGS, "Snap-rounded noding and face tracing of lines; see the module comment."},
    {"trace_lines", trace_lines, METH_VARARGS, "Rings of noded lines; see its comment."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_noder", NULL, -1, methods};

PyMODINIT_FUNC PyInit__noder(void) { return PyModule_Create(&module); }
