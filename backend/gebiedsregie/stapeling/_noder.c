/* Snap-rounded noding of polygon boundaries on an integer grid, and the faces it makes.
 *
 * Noding is Hobby's snap rounding. Vertices are rounded to the grid. Every vertex, and every
 * proper crossing of two segments rounded to the grid, is a hot pixel: the half-open unit
 * square [x - 1/2, x + 1/2) x [y - 1/2, y + 1/2) around a grid point, so that the pixels
 * tile the plane (as in GEOS). Each segment is cut at the centres of all hot pixels it
 * meets, in order along it (an exact integer order); the pieces are kept once and chained
 * into lines through nodes of degree two. The lines meet only at their end points, which are
 * grid points, so equal nodes are equal doubles, and no two pieces cross: the arrangement is
 * consistent by construction (`check` verifies that, for the tests). Exact: integer
 * coordinates, orientation tests in 128 bits. Candidates are found in an adaptive grid:
 * cells a few segments wide, and a finer grid in a cell that holds many (clustered data).
 * No sort is quadratic: large groups are sorted with qsort_r.
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
 * node(xy, ring, owner, scale, threads, check) -> dict of bytes by name, and "lines":
 *   xy: float64 buffer of n points (x, y), ring after ring, each closed by repeating its
 *   first point; ring: int64 offsets, ring r being points ring[r] .. ring[r + 1] - 1;
 *   owner: int64, the input of each ring. scale: grid units per coordinate unit (1000 for
 *   millimetres in metres). threads: how many threads find crossings and hot pixels.
 *   check: verify that no two noded pieces meet but at a shared end (ArithmeticError).
 *   coords, line_start: the noded lines (float64 pairs; int64 offsets, line l being points
 *   line_start[l] .. line_start[l + 1] - 1); lines: their count.
 *   ring_half: int64, the half-edges of every ring in order, ring after ring (their
 *   points are the lines' points); ring_size: int64 half-edges per ring; ring_area:
 *   float64 signed area (positive: counter-clockwise);
 *   ring_pinched: uint8, 1 where the ring passes a node twice; half_ring: int64 ring of
 *   each half-edge (2l along line l, 2l + 1 against it), -1 for a dropped dangle.
 *   set_start, set: int64, the sorted inputs of ring r's face, relative to its part, are
 *   set[set_start[r] : set_start[r + 1]]; ring_part: int64, the outer ring of its part.
 *   line_length: float64, the length of each line; point_node: int64, the node of each
 *   point of the lines (for `trace_lines`).
 * The GIL is released while it works, so threads can run it in parallel.
 *
 * Layout: helpers and the tracer; the sorts and the candidate index; the parallel phases;
 * `run`, one function per phase; the Python functions.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
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

/* A segment meeting a hot pixel (a node) other than at its ends; t orders the pixels
 * along the segment exactly: (pixel centre - start) . (end - start), in grid units. */
typedef struct {
    u32 seg, node;
    u64 t;
} Hit;

enum {
    COORDS, LINE_START, RING_HALF, RING_SIZE, RING_AREA, RING_PINCHED, HALF_RING,
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
    int threads, check;
    /* output: buffers (see `node`), and the number of lines */
    void *out[OUTPUTS];
    size_t out_bytes[OUTPUTS];
    i64 lines;
    const char *error;
    int not_planar;    /* the error is the planarity check's */
    char message[320]; /* for an error put together here */
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
typedef int (*Compare)(const void *, const void *, void *);
static void sort_by(u32 *v, size_t n, Compare cmp, void *ctx);
static int by_turn(const void *a, const void *b, void *ctx);

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
static int trace(Job *job, const u32 *pnode, const u64 *pkey,
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
    u32 *cursor = malloc((nh ? nh : 1) * sizeof(u32)); /* dead lines are passed once */
    if (!alive || !cursor) {
        free(alive);
        free(cursor);
        goto done;
    }
    size_t queued = 0;
    for (size_t h = 0; h < nh; h++) {
        alive[h] = end_start[h + 1] - end_start[h];
        cursor[h] = end_start[h];
        if (alive[h] == 1) queue[queued++] = (u32)h;
    }
    while (queued) {
        u32 node = queue[--queued];
        if (alive[node] != 1) continue;
        for (u32 q = cursor[node]; q < end_start[node + 1]; q++) {
            u32 l = end_items[q] >> 1;
            cursor[node] = q;
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
    free(cursor);

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
        sort_by(around + lo, hi - lo, by_turn, dir);
        for (u32 q = lo; q < hi; q++) pos[around[q]] = q;
    }
    for (size_t h = 0; h < nhalf; h++) {
        if (dead[h >> 1]) continue;
        u32 twin = (u32)(h ^ 1), v = origin[twin];
        u32 lo = around_start[v], size = around_start[v + 1] - lo;
        next[h] = around[lo + (pos[twin] - lo + size - 1) % size];
    }

    /* The rings: each cycle of next (its half-edges, in order: the caller gathers their
     * points from the lines, so no copy of the coordinates is made here), its signed area,
     * and whether it is pinched (passes a node twice: a hole touching its shell). */
    i64 *ring_half = output(job, RING_HALF, live, sizeof(i64));
    i64 *ring_size = output(job, RING_SIZE, live, sizeof(i64));
    double *ring_area = output(job, RING_AREA, live, sizeof(double));
    unsigned char *pinched = output(job, RING_PINCHED, live, 1);
    stamp = malloc((nh ? nh : 1) * sizeof(u32));
    if (!ring_half || !ring_size || !ring_area || !pinched || !stamp) goto done;
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
            ring_half[at++] = h;
            if (stamp[origin[h]] == ring) pinched[ring] = 1;
            stamp[origin[h]] = (u32)ring;
            u32 l = h >> 1, lo = lstart[l], hi = lstart[l + 1] - 1;
            for (u32 k = 0; k < hi - lo; k++) {
                u32 pt = h & 1 ? hi - k : lo + k, nb = h & 1 ? hi - k - 1 : lo + k + 1;
                i64 x0 = KX(pkey[pt]), y0 = KY(pkey[pt]), x1 = KX(pkey[nb]), y1 = KY(pkey[nb]);
                twice += (i128)x0 * y1 - (i128)x1 * y0;
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
                    if (sets.len >= NONE) { /* offsets below are 32 bits */
                        job->error = "too many sets of inputs for one noding";
                        ok = 0;
                    }
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

/* Sorts indices with a comparator and its context: insertion for a few, else glibc's
 * qsort_r, so that no sort is quadratic in a node's degree or a cell's size. */
typedef int (*Compare)(const void *, const void *, void *);

static void sort_by(u32 *v, size_t n, Compare cmp, void *ctx) {
    if (n > 16) {
        qsort_r(v, n, sizeof(u32), cmp, ctx);
        return;
    }
    for (size_t a = 1; a < n; a++) {
        u32 x = v[a];
        size_t b = a;
        while (b > 0 && cmp(&v[b - 1], &x, ctx) > 0) {
            v[b] = v[b - 1];
            b--;
        }
        v[b] = x;
    }
}

static int by_value(const void *a, const void *b, void *ctx) {
    (void)ctx;
    u32 x = *(const u32 *)a, y = *(const u32 *)b;
    return (x > y) - (x < y);
}

static int by_key(const void *a, const void *b, void *ctx) {
    const u64 *key = ctx;
    u32 x = *(const u32 *)a, y = *(const u32 *)b;
    if (key[x] != key[y]) return key[x] < key[y] ? -1 : 1;
    return (x > y) - (x < y);
}

static int by_turn(const void *a, const void *b, void *ctx) {
    const i64 *dir = ctx;
    u32 x = *(const u32 *)a, y = *(const u32 *)b;
    if (turns_before(dir[2 * x], dir[2 * x + 1], dir[2 * y], dir[2 * y + 1])) return -1;
    if (turns_before(dir[2 * y], dir[2 * y + 1], dir[2 * x], dir[2 * x + 1])) return 1;
    return (x > y) - (x < y);
}

static int by_place(const void *a, const void *b, void *ctx) { /* along a segment */
    const Hit *hit = ctx;
    const Hit *x = &hit[*(const u32 *)a], *y = &hit[*(const u32 *)b];
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    return (x->node > y->node) - (x->node < y->node);
}

typedef struct {
    const u32 *from, *to;
} Edges;

static int by_far_end(const void *a, const void *b, void *ctx) { /* then input order */
    const Edges *e = ctx;
    u32 x = *(const u32 *)a, y = *(const u32 *)b;
    u32 fx = MAX(e->from[x], e->to[x]), fy = MAX(e->from[y], e->to[y]);
    if (fx != fy) return fx < fy ? -1 : 1;
    return (x > y) - (x < y);
}

/* The candidate index. A uniform grid of cells a few segments wide; a cell holding many
 * segments (clustered data) gets a finer grid of its own, recursively, as long as that cuts
 * the pairs of segments to test; the cells that are not refined (the leaves) partition the
 * plane, and each holds every segment that touches it or passes within one unit of it. */
typedef struct {
    i64 ox, oy, nx, ny; /* corner of cell (0, 0), cells per side */
    int shift;          /* cells of 2^shift units */
    size_t first;       /* its cells' slots */
} Grid;

#define CHILD 0x80000000u /* a slot holds a leaf, or CHILD | a finer grid */
#define REFINE_ABOVE 48   /* segments in a cell that make a finer grid worth trying */
#define PER_CELL 8        /* segments per cell a finer grid aims at */

typedef struct {
    Vec grid; /* Grid */
    Vec slot; /* u32, per cell of every grid */
    Vec start; /* u32, leaf f holds item[start[f] .. start[f + 1]] */
    Vec item;  /* u32, segments */
} Index;

static void index_free(Index *ix) {
    free(ix->grid.v);
    free(ix->slot.v);
    free(ix->start.v);
    free(ix->item.v);
}

static size_t leaves(const Index *ix) { return ix->start.len - 1; }

static u32 leaf_of(const Index *ix, i64 x, i64 y) {
    const Grid *g = ix->grid.v;
    for (;;) {
        i64 cx = (x - g->ox) >> g->shift, cy = (y - g->oy) >> g->shift;
        u32 v = ((const u32 *)ix->slot.v)[g->first + (size_t)(cx * g->ny + cy)];
        if (!(v & CHILD)) return v;
        g = (const Grid *)ix->grid.v + (v & ~CHILD);
    }
}

/* What the parallel phases read: the segments (ends sa[s], sb[s] in X, Y), the index,
 * and for hits the nodes. */
typedef struct {
    const i64 *X, *Y;
    const u32 *sa, *sb;
    const Index *ix;
    const u64 *node_key;
    const u32 *hot_start, *vid;
} Ctx;

typedef int (*Work)(const Ctx *ctx, size_t lo, size_t hi, Vec *out);

/* Appends (cell << 32 | segment) for segment s and every cell of grid g (cells x0..x1,
 * y0..y1 of it at most) whose square, one unit larger all round, it touches. */
static int touch_cells(const Ctx *c, const Grid *g, u32 s, Vec *out) {
    i64 ax = c->X[c->sa[s]], ay = c->Y[c->sa[s]], bx = c->X[c->sb[s]], by = c->Y[c->sb[s]];
    i64 size = 1LL << g->shift;
    i64 x0 = MAX((MIN(ax, bx) - 1 - g->ox) >> g->shift, 0);
    i64 x1 = MIN((MAX(ax, bx) + 1 - g->ox) >> g->shift, g->nx - 1);
    i64 y0 = MAX((MIN(ay, by) - 1 - g->oy) >> g->shift, 0);
    i64 y1 = MIN((MAX(ay, by) + 1 - g->oy) >> g->shift, g->ny - 1);
    int few = (x1 - x0 + 1) * (y1 - y0 + 1) <= 2;
    for (i64 cx = x0; cx <= x1; cx++)
        for (i64 cy = y0; cy <= y1; cy++) {
            i64 left = g->ox + cx * size, bottom = g->oy + cy * size;
            if (!few && !touches_box(ax, ay, bx, by, left - 1, bottom - 1, left + size + 1,
                                     bottom + size + 1))
                continue;
            u64 *p = vec_next(out);
            if (!p) return -1;
            *p = ((u64)(cx * g->ny + cy) << 32) | s;
        }
    return 0;
}

static int cells_work(const Ctx *c, size_t lo, size_t hi, Vec *out) {
    for (size_t s = lo; s < hi; s++)
        if (touch_cells(c, c->ix->grid.v, (u32)s, out)) return -1;
    return 0;
}

static int add_leaf(Index *ix, size_t slot, const u32 *segs, size_t count) {
    if (ix->start.len >= CHILD || ix->item.len + count >= NONE) return -1;
    ((u32 *)ix->slot.v)[slot] = (u32)(ix->start.len - 1);
    for (size_t k = 0; k < count; k++) {
        u32 *p = vec_next(&ix->item);
        if (!p) return -1;
        *p = segs[k];
    }
    u32 *end = vec_next(&ix->start);
    if (!end) return -1;
    *end = (u32)ix->item.len;
    return 0;
}

/* Adds grid `g` to the index, with a slot for each of its cells; returns its number. */
static long add_grid(Index *ix, Grid g) {
    g.first = ix->slot.len;
    Grid *added = vec_next(&ix->grid);
    if (!added) return -1;
    *added = g;
    for (i64 c = 0; c < g.nx * g.ny; c++)
        if (!vec_next(&ix->slot)) return -1;
    return (long)(ix->grid.len - 1);
}

/* Groups (cell << 32 | segment) pairs by cell: items start[c] .. start[c + 1] - 1 are the
 * segments of cell c. The pairs' memory goes (their count stays). */
static int group_pairs(Vec *pairs, size_t cells, u32 **start, u32 **items) {
    u32 *bucket = malloc((pairs->len ? pairs->len : 1) * sizeof(u32));
    if (!bucket) return -1;
    const u64 *pair = pairs->v;
    for (size_t i = 0; i < pairs->len; i++) bucket[i] = (u32)(pair[i] >> 32);
    int failed = group(bucket, pairs->len, cells, start, items);
    free(bucket);
    if (failed) return -1;
    for (size_t i = 0; i < pairs->len; i++) (*items)[i] = (u32)pair[(*items)[i]];
    free(pairs->v);
    pairs->v = NULL;
    return 0;
}

/* Cell `cell` of grid `gi`, holding `count` segments: a leaf, or a finer grid if that
 * makes at most half the pairs to test and at most four times the entries. */
static int refine(Index *ix, const Ctx *c, size_t gi, size_t cell, const u32 *segs,
                  size_t count) {
    Grid g = ((Grid *)ix->grid.v)[gi];
    size_t slot = g.first + cell;
    int k = 0;
    while (k < 6 && g.shift - k > 2 && ((size_t)1 << (2 * k)) * PER_CELL < count) k++;
    if (count <= REFINE_ABOVE || k == 0) return add_leaf(ix, slot, segs, count);
    i64 side = 1LL << k, cx = (i64)cell / g.ny, cy = (i64)cell % g.ny;
    Grid fine = {g.ox + (cx << g.shift), g.oy + (cy << g.shift), side, side, g.shift - k, 0};
    Vec pairs = {NULL, 0, 0, sizeof(u64)};
    u32 *start = NULL, *items = NULL;
    int status = -1;
    for (size_t q = 0; q < count; q++)
        if (touch_cells(c, &fine, segs[q], &pairs)) goto done;
    size_t cells = (size_t)(side * side);
    if (group_pairs(&pairs, cells, &start, &items)) goto done;
    double before = (double)count * (double)count, after = 0;
    for (size_t f = 0; f < cells; f++) {
        double m = start[f + 1] - start[f];
        after += m * m;
    }
    if (2 * after > before || pairs.len > 4 * count) {
        status = add_leaf(ix, slot, segs, count);
        goto done;
    }
    long fine_i = add_grid(ix, fine);
    if (fine_i < 0) goto done;
    ((u32 *)ix->slot.v)[slot] = CHILD | (u32)fine_i;
    for (size_t f = 0; f < cells; f++)
        if (refine(ix, c, (size_t)fine_i, f, items + start[f], start[f + 1] - start[f]))
            goto done;
    status = 0;
done:
    free(pairs.v);
    free(start);
    free(items);
    return status;
}

static int parallel(const Ctx *ctx, Work work, size_t n, int threads, Vec *out);

/* Builds the index of segments 0..ns-1 of ctx over [0, width) x [0, height). */
static int build_index(Index *ix, Ctx *ctx, size_t ns, i64 width, i64 height, double length,
                       int threads) {
    Vec pairs = {NULL, 0, 0, sizeof(u64)};
    u32 *start = NULL, *items = NULL;
    int status = -1;
    *ix = (Index){{NULL, 0, 0, sizeof(Grid)}, {NULL, 0, 0, sizeof(u32)},
                  {NULL, 0, 0, sizeof(u32)}, {NULL, 0, 0, sizeof(u32)}};
    /* Cells about two segments long, and not many more cells than segments. */
    double side = ns ? 2.0 * length / (double)ns : 4.0;
    side = MAX(MAX(side, sqrt((double)width * (double)height / (double)(ns + 1))), 4.0);
    int shift = 2; /* cells of a power of two: a shift finds the cell */
    while ((double)(1LL << shift) < side) shift++;
    Grid top = {0, 0, (width >> shift) + 1, (height >> shift) + 1, shift, 0};
    size_t cells = (size_t)(top.nx * top.ny);
    if (cells >= CHILD) return -1;
    u32 *zero = vec_next(&ix->start);
    if (!zero || add_grid(ix, top) < 0) goto done;
    *zero = 0;
    ctx->ix = ix;
    if (parallel(ctx, cells_work, ns, threads, &pairs)) goto done;
    if (pairs.len >= NONE) goto done; /* indices below are 32 bits */
    if (group_pairs(&pairs, cells, &start, &items)) goto done;
    for (size_t c = 0; c < cells; c++)
        if (refine(ix, ctx, 0, c, items + start[c], start[c + 1] - start[c])) goto done;
    status = 0;
done:
    free(pairs.v);
    free(start);
    free(items);
    return status;
}

/* Proper crossings of two segments in leaves lo..hi, rounded to the grid (half up: the
 * pixel that holds the crossing). */
static int crossings_work(const Ctx *ctx, size_t lo, size_t hi, Vec *out) {
    const i64 *X = ctx->X, *Y = ctx->Y;
    const u32 *start = ctx->ix->start.v, *item = ctx->ix->item.v;
    for (size_t c = lo; c < hi; c++) {
        for (u32 p = start[c]; p < start[c + 1]; p++) {
            u32 s = item[p];
            i64 ax = X[ctx->sa[s]], ay = Y[ctx->sa[s]], bx = X[ctx->sb[s]], by = Y[ctx->sb[s]];
            i64 lox = MIN(ax, bx), hix = MAX(ax, bx), loy = MIN(ay, by), hiy = MAX(ay, by);
            for (u32 q = p + 1; q < start[c + 1]; q++) {
                u32 t = item[q];
                i64 cx = X[ctx->sa[t]], cy = Y[ctx->sa[t]], dx = X[ctx->sb[t]], dy = Y[ctx->sb[t]];
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

/* Whether segment a-b meets the hot pixel of grid point h: the half-open square
 * [hx - 1/2, hx + 1/2) x [hy - 1/2, hy + 1/2), as in Hobby's snap rounding and GEOS. The
 * pixels tile the plane, so a segment through a pixel corner meets one pixel there, not
 * four; that is what keeps snapped pieces from crossing. In doubled coordinates the
 * segment's ends are even and the pixel's edges odd: the segment cannot run along an edge
 * or end on one, so it meets the pixel where it passes through the open square or through
 * its lower-left corner, the one corner the pixel owns. */
static int meets_pixel(i64 ax, i64 ay, i64 bx, i64 by, i64 hx, i64 hy) {
    ax *= 2, ay *= 2, bx *= 2, by *= 2;
    i64 x0 = 2 * hx - 1, y0 = 2 * hy - 1, x1 = 2 * hx + 1, y1 = 2 * hy + 1;
    if (MIN(ax, bx) > x1 || MAX(ax, bx) < x0 || MIN(ay, by) > y1 || MAX(ay, by) < y0) return 0;
    i128 c0 = cross(ax, ay, bx, by, x0, y0), c1 = cross(ax, ay, bx, by, x1, y0);
    i128 c2 = cross(ax, ay, bx, by, x0, y1), c3 = cross(ax, ay, bx, by, x1, y1);
    if (c0 == 0 && MIN(ax, bx) < x0 && x0 < MAX(ax, bx) && MIN(ay, by) < y0 && y0 < MAX(ay, by))
        return 1; /* through the lower-left corner */
    int above = c0 > 0 || c1 > 0 || c2 > 0 || c3 > 0;
    int below = c0 < 0 || c1 < 0 || c2 < 0 || c3 < 0;
    return above && below;
}

/* In leaves lo..hi, every segment through every hot pixel it meets, other than its ends;
 * t orders the pixels along the segment, exactly (see `Hit`). */
static int hits_work(const Ctx *ctx, size_t lo, size_t hi, Vec *out) {
    const i64 *X = ctx->X, *Y = ctx->Y;
    const u32 *start = ctx->ix->start.v, *item = ctx->ix->item.v;
    for (size_t c = lo; c < hi; c++) {
        if (ctx->hot_start[c] == ctx->hot_start[c + 1]) continue;
        for (u32 p = start[c]; p < start[c + 1]; p++) {
            u32 s = item[p], i = ctx->sa[s], j = ctx->sb[s];
            i64 ax = X[i], ay = Y[i], bx = X[j], by = Y[j];
            i64 lox = MIN(ax, bx), hix = MAX(ax, bx), loy = MIN(ay, by), hiy = MAX(ay, by);
            u32 ida = ctx->vid[i], idb = ctx->vid[j];
            for (u32 h = ctx->hot_start[c]; h < ctx->hot_start[c + 1]; h++) {
                i64 hx = KX(ctx->node_key[h]), hy = KY(ctx->node_key[h]);
                if (hx < lox || hx > hix || hy < loy || hy > hiy || h == ida || h == idb)
                    continue;
                if (!meets_pixel(ax, ay, bx, by, hx, hy)) continue;
                Hit *hit = vec_next(out);
                if (!hit) return -1;
                hit->seg = s;
                hit->node = h;
                hit->t = (u64)((hx - ax) * (bx - ax)) + (u64)((hy - ay) * (by - ay));
            }
        }
    }
    return 0;
}

/* Whether closed segments a-b and c-d have a point in common. */
static int segments_meet(i64 ax, i64 ay, i64 bx, i64 by, i64 cx, i64 cy, i64 dx, i64 dy) {
    if (MIN(ax, bx) > MAX(cx, dx) || MAX(ax, bx) < MIN(cx, dx) || MIN(ay, by) > MAX(cy, dy) ||
        MAX(ay, by) < MIN(cy, dy))
        return 0;
    i128 o1 = cross(ax, ay, bx, by, cx, cy), o2 = cross(ax, ay, bx, by, dx, dy);
    i128 o3 = cross(cx, cy, dx, dy, ax, ay), o4 = cross(cx, cy, dx, dy, bx, by);
    if ((o1 > 0 && o2 > 0) || (o1 < 0 && o2 < 0)) return 0;
    if ((o3 > 0 && o4 > 0) || (o3 < 0 && o4 < 0)) return 0;
    return 1; /* collinear ones meet: their bounding boxes do */
}

/* The planarity check, in leaves lo..hi: pieces (the segments of ctx, between nodes) that
 * meet other than in a shared end, as (s << 32 | t). */
static int planar_work(const Ctx *ctx, size_t lo, size_t hi, Vec *out) {
    const i64 *X = ctx->X, *Y = ctx->Y;
    const u32 *start = ctx->ix->start.v, *item = ctx->ix->item.v;
    for (size_t c = lo; c < hi; c++)
        for (u32 p = start[c]; p < start[c + 1]; p++)
            for (u32 q = p + 1; q < start[c + 1]; q++) {
                u32 s = item[p], t = item[q];
                u32 a = ctx->sa[s], b = ctx->sb[s], e = ctx->sa[t], f = ctx->sb[t];
                int bad;
                if ((a == e && b == f) || (a == f && b == e)) bad = 1; /* the same piece */
                else if (a == e || a == f || b == e || b == f) {
                    u32 o = a == e || a == f ? a : b, u = o == a ? b : a;
                    u32 v = o == e ? f : e; /* collinear and the same way: overlapping */
                    bad = cross(X[o], Y[o], X[u], Y[u], X[v], Y[v]) == 0 &&
                          (i128)(X[u] - X[o]) * (X[v] - X[o]) +
                                  (i128)(Y[u] - Y[o]) * (Y[v] - Y[o]) >
                              0;
                } else
                    bad = segments_meet(X[a], Y[a], X[b], Y[b], X[e], Y[e], X[f], Y[f]);
                if (!bad) continue;
                u64 *k = vec_next(out);
                if (!k) return -1;
                *k = ((u64)s << 32) | t;
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

/* The state of one noding, phase by phase (see `run`). */
typedef struct {
    Job *job;
    size_t n, ns, nh, ne; /* points, segments, nodes, pieces */
    i64 minx, miny, width, height;
    double length; /* of all segments, in grid units (L1) */
    i64 *X, *Y;    /* the points on the grid, in local coordinates */
    u32 *sa, *sb, *seg_owner; /* segments: their ends and input */
    Index ix;
    Vec crossings; /* u64 keys of the rounded crossings */
    u64 *node_key; /* the nodes: distinct hot pixels, leaf by leaf */
    u32 *hot_start, *vid; /* per leaf, its nodes; per point, its node */
    u32 *efrom, *eto, *einput; /* pieces of segments between nodes, and their input */
    unsigned char *keep;       /* the first copy of each piece */
    u32 *eset, *eset_len;      /* per kept piece: its inputs of odd count, in pool */
    Vec pool;
} Noding;

static void noding_free(Noding *d) {
    free(d->X);
    free(d->Y);
    free(d->sa);
    free(d->sb);
    free(d->seg_owner);
    index_free(&d->ix);
    free(d->crossings.v);
    free(d->node_key);
    free(d->hot_start);
    free(d->vid);
    free(d->efrom);
    free(d->eto);
    free(d->einput);
    free(d->keep);
    free(d->eset);
    free(d->eset_len);
    free(d->pool.v);
}

#define FAIL(d, message)                                                                   \
    do {                                                                                   \
        (d)->job->error = (message);                                                      \
        return -1;                                                                         \
    } while (0)

/* Phase 1: the points on the grid, in local coordinates with a margin of two. */
static int load_points(Noding *d) {
    const Job *job = d->job;
    size_t n = d->n;
    if (n >= NONE / 2) FAIL(d, "too many coordinates");
    d->X = malloc(n * sizeof(i64));
    d->Y = malloc(n * sizeof(i64));
    if (!d->X || !d->Y) FAIL(d, "out of memory");
    i64 minx = INT64_MAX, miny = INT64_MAX, maxx = INT64_MIN, maxy = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        double x = job->xy[2 * i] * job->scale, y = job->xy[2 * i + 1] * job->scale;
        if (!(fabs(x) < 4e15 && fabs(y) < 4e15))
            FAIL(d, "coordinate not finite or too large for the grid");
        d->X[i] = (i64)nearbyint(x); /* half to even, as numpy rounds */
        d->Y[i] = (i64)nearbyint(y);
        minx = MIN(minx, d->X[i]);
        miny = MIN(miny, d->Y[i]);
        maxx = MAX(maxx, d->X[i]);
        maxy = MAX(maxy, d->Y[i]);
    }
    if (maxx - minx >= (1LL << 31) || maxy - miny >= (1LL << 31))
        FAIL(d, "extent too large for the grid");
    d->minx = minx - 2;
    d->miny = miny - 2;
    d->width = maxx - minx + 4;
    d->height = maxy - miny + 4;
    for (size_t i = 0; i < n; i++) {
        d->X[i] -= d->minx;
        d->Y[i] -= d->miny;
    }
    return 0;
}

/* Phase 2: the segments, each non-degenerate piece i..i+1 of a ring, and their input. */
static int make_segments(Noding *d) {
    const Job *job = d->job;
    d->sa = malloc((d->n ? d->n : 1) * sizeof(u32));
    d->sb = malloc((d->n ? d->n : 1) * sizeof(u32));
    d->seg_owner = malloc((d->n ? d->n : 1) * sizeof(u32));
    if (!d->sa || !d->sb || !d->seg_owner) FAIL(d, "out of memory");
    size_t ns = 0;
    for (size_t r = 0; r < job->rings; r++)
        for (i64 i = job->ring[r]; i + 1 < job->ring[r + 1]; i++)
            if (d->X[i] != d->X[i + 1] || d->Y[i] != d->Y[i + 1]) {
                d->seg_owner[ns] = (u32)job->owner[r];
                d->sa[ns] = (u32)i;
                d->sb[ns++] = (u32)(i + 1);
                d->length += (double)(llabs(d->X[i + 1] - d->X[i]) + llabs(d->Y[i + 1] - d->Y[i]));
            }
    d->ns = ns;
    return 0;
}

static Ctx context(const Noding *d) {
    return (Ctx){d->X, d->Y, d->sa, d->sb, &d->ix, d->node_key, d->hot_start, d->vid};
}

/* Phase 3: the candidate index, and the proper crossings of segments, rounded. */
static int find_crossings(Noding *d) {
    Ctx ctx = context(d);
    if (build_index(&d->ix, &ctx, d->ns, d->width, d->height, d->length, d->job->threads))
        FAIL(d, "out of memory, or too many cells");
    d->crossings = (Vec){NULL, 0, 0, sizeof(u64)};
    if (parallel(&ctx, crossings_work, leaves(&d->ix), d->job->threads, &d->crossings))
        FAIL(d, "out of memory");
    return 0;
}

/* Phase 4: the nodes, distinct hot pixels (vertices and crossings) numbered leaf by leaf,
 * so that each leaf's are the nodes hot_start[f] .. hot_start[f + 1]. */
static int make_nodes(Noding *d) {
    size_t n = d->n, nk = n + d->crossings.len, nleaves = leaves(&d->ix);
    if (nk >= NONE / 2) FAIL(d, "too many segments, crossings or pieces for one noding");
    u64 *key = malloc(nk * sizeof(u64));
    u32 *bucket = malloc(nk * sizeof(u32)), *items = NULL;
    d->vid = malloc(n * sizeof(u32));
    d->node_key = malloc(nk * sizeof(u64));
    int status = -1;
    if (!key || !bucket || !d->vid || !d->node_key) goto done;
    for (size_t i = 0; i < n; i++) key[i] = KEY(d->X[i], d->Y[i]);
    if (d->crossings.len) memcpy(key + n, d->crossings.v, d->crossings.len * sizeof(u64));
    free(d->crossings.v);
    d->crossings.v = NULL;
    for (size_t i = 0; i < nk; i++) bucket[i] = leaf_of(&d->ix, KX(key[i]), KY(key[i]));
    if (group(bucket, nk, nleaves, &d->hot_start, &items)) goto done;
    size_t nh = 0;
    for (size_t f = 0; f < nleaves; f++) {
        u32 lo = d->hot_start[f], hi = d->hot_start[f + 1];
        sort_by(items + lo, hi - lo, by_key, key);
        d->hot_start[f] = (u32)nh;
        for (u32 q = lo; q < hi; q++) {
            u32 k = items[q];
            if (q == lo || key[k] != key[items[q - 1]]) d->node_key[nh++] = key[k];
            if (k < n) d->vid[k] = (u32)(nh - 1);
        }
    }
    d->hot_start[nleaves] = (u32)nh;
    d->nh = nh;
    status = 0;
done:
    free(key);
    free(bucket);
    free(items);
    if (status) FAIL(d, "out of memory");
    return 0;
}

/* Phase 5: every segment cut at the hot pixels it meets, in order along it: the pieces,
 * in input order. */
static int cut_segments(Noding *d) {
    Ctx ctx = context(d);
    Vec hits = {NULL, 0, 0, sizeof(Hit)};
    u32 *bucket = NULL, *hit_start = NULL, *hit_order = NULL;
    int status = -1;
    if (parallel(&ctx, hits_work, leaves(&d->ix), d->job->threads, &hits)) goto done;
    index_free(&d->ix);
    d->ix = (Index){{0}, {0}, {0}, {0}};
    Hit *hit = hits.v;
    bucket = malloc((hits.len ? hits.len : 1) * sizeof(u32));
    if (!bucket) goto done;
    for (size_t k = 0; k < hits.len; k++) bucket[k] = hit[k].seg;
    if (group(bucket, hits.len, d->ns, &hit_start, &hit_order)) goto done;
    size_t cap = d->ns + hits.len;
    if (cap >= NONE / 4) {
        d->job->error = "too many segments, crossings or pieces for one noding";
        goto done;
    }
    d->efrom = malloc((cap ? cap : 1) * sizeof(u32));
    d->eto = malloc((cap ? cap : 1) * sizeof(u32));
    d->einput = malloc((cap ? cap : 1) * sizeof(u32));
    if (!d->efrom || !d->eto || !d->einput) goto done;
    size_t ne = 0;
    for (size_t s = 0; s < d->ns; s++) {
        u32 lo = hit_start[s], hi = hit_start[s + 1];
        sort_by(hit_order + lo, hi - lo, by_place, hit);
        u32 from = d->vid[d->sa[s]];
        for (u32 a = lo; a <= hi; a++) {
            u32 to = a < hi ? hit[hit_order[a]].node : d->vid[d->sb[s]];
            if (to == from) continue;
            d->efrom[ne] = from;
            d->eto[ne] = to;
            d->einput[ne] = d->seg_owner[s];
            ne++;
            from = to;
        }
    }
    d->ne = ne;
    status = 0;
done:
    free(hits.v);
    free(bucket);
    free(hit_start);
    free(hit_order);
    if (status && !d->job->error) d->job->error = "out of memory";
    /* Done with the input: let its memory go before the rest. */
    free(d->X);
    free(d->Y);
    free(d->sa);
    free(d->sb);
    free(d->seg_owner);
    free(d->vid);
    d->X = d->Y = NULL;
    d->sa = d->sb = d->seg_owner = d->vid = NULL;
    return status;
}

/* Phase 6: each piece once (of its copies, in either direction, the first is kept), with
 * the inputs along it: those with an odd number of copies. */
static int merge_copies(Noding *d, u32 *degree) {
    size_t ne = d->ne;
    u32 *bucket = malloc((ne ? ne : 1) * sizeof(u32)), *start = NULL, *items = NULL;
    u32 *mine = NULL;
    int status = -1;
    d->keep = calloc(ne ? ne : 1, 1);
    d->eset = malloc((ne ? ne : 1) * sizeof(u32));
    d->eset_len = calloc(ne ? ne : 1, sizeof(u32));
    d->pool = (Vec){NULL, 0, 0, sizeof(u32)};
    if (!bucket || !d->keep || !d->eset || !d->eset_len) goto done;
    for (size_t e = 0; e < ne; e++) bucket[e] = MIN(d->efrom[e], d->eto[e]);
    if (group(bucket, ne, d->nh, &start, &items)) goto done;
    Edges edges = {d->efrom, d->eto};
    for (size_t h = 0; h < d->nh; h++) {
        u32 lo = start[h], hi = start[h + 1];
        sort_by(items + lo, hi - lo, by_far_end, &edges); /* copies together, in input order */
        for (u32 q = lo; q < hi;) {
            u32 e = items[q], far = MAX(d->efrom[e], d->eto[e]), r = q;
            size_t first = d->pool.len;
            for (; r < hi && MAX(d->efrom[items[r]], d->eto[items[r]]) == far; r++) {
                u32 *slot = vec_next(&d->pool);
                if (!slot) goto done;
                *slot = d->einput[items[r]];
            }
            if (d->pool.len >= NONE) {
                d->job->error = "too many segments, crossings or pieces for one noding";
                goto done;
            }
            mine = (u32 *)d->pool.v + first;
            size_t count = d->pool.len - first, odd = 0;
            sort_by(mine, count, by_value, NULL);
            for (size_t c = 0; c < count;) {
                size_t k = c;
                while (k < count && mine[k] == mine[c]) k++;
                if ((k - c) & 1) mine[odd++] = mine[c];
                c = k;
            }
            d->pool.len = first + odd;
            d->keep[e] = 1;
            d->eset[e] = (u32)first;
            d->eset_len[e] = (u32)odd;
            degree[d->efrom[e]]++;
            degree[d->eto[e]]++;
            q = r;
        }
    }
    status = 0;
done:
    free(bucket);
    free(start);
    free(items);
    if (status && !d->job->error) d->job->error = "out of memory";
    return status;
}

/* Whether pieces c->sa[s] - c->sb[s] between the points c->X, c->Y (distinct, local grid
 * units within c->width x c->height, offset by c->minx, c->miny) are planar: no two meet
 * but in a shared end. If not, the job's error says how many pairs do, and shows one. */
static int planar_pieces(Noding *c) {
    Vec bad = {NULL, 0, 0, sizeof(u64)};
    Ctx ctx = context(c);
    Job *job = c->job;
    if (build_index(&c->ix, &ctx, c->ns, c->width, c->height, c->length, job->threads) ||
        parallel(&ctx, planar_work, leaves(&c->ix), job->threads, &bad)) {
        free(bad.v);
        job->error = "out of memory";
        return -1;
    }
    if (!bad.len) return 0;
    u64 pair = ((u64 *)bad.v)[0];
    u32 s = (u32)(pair >> 32), t = (u32)pair;
    double g = job->scale;
    const i64 *X = c->X, *Y = c->Y;
    snprintf(job->message, sizeof job->message,
             "noding not planar: %zu pairs of pieces meet other than at a shared end, "
             "such as (%.3f %.3f, %.3f %.3f) and (%.3f %.3f, %.3f %.3f)",
             bad.len, (X[c->sa[s]] + c->minx) / g, (Y[c->sa[s]] + c->miny) / g,
             (X[c->sb[s]] + c->minx) / g, (Y[c->sb[s]] + c->miny) / g,
             (X[c->sa[t]] + c->minx) / g, (Y[c->sa[t]] + c->miny) / g,
             (X[c->sb[t]] + c->minx) / g, (Y[c->sb[t]] + c->miny) / g);
    job->error = job->message;
    job->not_planar = 1;
    free(bad.v);
    return -1;
}

/* Debug: whether the kept pieces of a noding are planar (`planar_pieces`). */
static int check_planar(Noding *d) {
    Noding c = {.job = d->job, .n = d->nh, .minx = d->minx, .miny = d->miny,
                .width = d->width, .height = d->height};
    int status = -1;
    c.X = malloc((d->nh ? d->nh : 1) * sizeof(i64));
    c.Y = malloc((d->nh ? d->nh : 1) * sizeof(i64));
    c.sa = malloc((d->ne ? d->ne : 1) * sizeof(u32));
    c.sb = malloc((d->ne ? d->ne : 1) * sizeof(u32));
    if (!c.X || !c.Y || !c.sa || !c.sb) {
        d->job->error = "out of memory";
        goto done;
    }
    for (size_t h = 0; h < d->nh; h++) {
        c.X[h] = KX(d->node_key[h]);
        c.Y[h] = KY(d->node_key[h]);
    }
    for (size_t e = 0; e < d->ne; e++)
        if (d->keep[e]) {
            c.sa[c.ns] = d->efrom[e];
            c.sb[c.ns++] = d->eto[e];
            c.length += (double)(llabs(c.X[d->eto[e]] - c.X[d->efrom[e]]) +
                                 llabs(c.Y[d->eto[e]] - c.Y[d->efrom[e]]));
        }
    status = planar_pieces(&c);
done:
    noding_free(&c);
    return status;
}

/* Phase 7: lines, runs of kept pieces joined at nodes of degree two, and their outputs;
 * then the faces (`trace`). */
static int make_lines(Noding *d, const u32 *degree) {
    Job *job = d->job;
    size_t ne = d->ne;
    int status = -1;
    u32 *pnode = malloc((2 * ne + 1) * sizeof(u32)), *lstart = malloc((ne + 2) * sizeof(u32));
    u32 *lset = malloc((ne + 1) * sizeof(u32)), *lset_len = malloc((ne + 1) * sizeof(u32));
    u64 *pkey = NULL;
    if (!pnode || !lstart || !lset || !lset_len) goto done;
    size_t out = 0, lines = 0;
    u32 last = NONE;
    for (size_t e = 0; e < ne; e++) {
        if (!d->keep[e]) continue;
        if (!(last == d->efrom[e] && degree[last] == 2)) {
            lset[lines] = d->eset[e];
            lset_len[lines] = d->eset_len[e];
            lstart[lines++] = (u32)out;
            pnode[out++] = d->efrom[e];
        }
        pnode[out++] = d->eto[e];
        last = d->eto[e];
    }
    lstart[lines] = (u32)out;
    double *coords = output(job, COORDS, 2 * out, sizeof(double));
    i64 *line_start = output(job, LINE_START, lines + 1, sizeof(i64));
    double *length = output(job, LINE_LENGTH, lines, sizeof(double));
    i64 *point_node = output(job, POINT_NODE, out, sizeof(i64));
    pkey = malloc((out ? out : 1) * sizeof(u64));
    if (!coords || !line_start || !length || !point_node || !pkey) goto done;
    for (size_t l = 0; l <= lines; l++) line_start[l] = lstart[l];
    for (size_t k = 0; k < out; k++) point_node[k] = pnode[k];
    double ox = (double)d->minx, oy = (double)d->miny;
    for (size_t l = 0; l < lines; l++) {
        double sum = 0;
        for (u32 k = lstart[l]; k < lstart[l + 1]; k++) {
            pkey[k] = d->node_key[pnode[k]];
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
    size_t nh = d->nh;
    const u32 *pool = d->pool.v;
    /* Let the pieces go before tracing; the pool stays, the lines' sets point into it. */
    free(d->efrom);
    free(d->eto);
    free(d->einput);
    free(d->eset);
    free(d->eset_len);
    free(d->keep);
    free(d->node_key);
    free(d->hot_start);
    d->efrom = d->eto = d->einput = d->eset = d->eset_len = d->hot_start = NULL;
    d->keep = NULL;
    d->node_key = NULL;
    status = trace(job, pnode, pkey, lstart, lines, nh, lset, lset_len, pool);
done:
    if (status && !job->error) job->error = "out of memory";
    free(pnode);
    free(lstart);
    free(lset);
    free(lset_len);
    free(pkey);
    return status;
}

/* Noding, phase by phase; the outputs go to job->out. */
static int run(Job *job) {
    Noding d = {.job = job, .n = job->n};
    u32 *degree = NULL;
    int status = -1;
    job->lines = 0;
    if (job->n == 0) return 0;
    if (load_points(&d) || make_segments(&d) || find_crossings(&d) || make_nodes(&d) ||
        cut_segments(&d))
        goto done;
    degree = calloc(d.nh ? d.nh : 1, sizeof(u32));
    if (!degree) {
        job->error = "out of memory";
        goto done;
    }
    if (merge_copies(&d, degree) || (job->check && check_planar(&d)) ||
        make_lines(&d, degree))
        goto done;
    status = 0;
done:
    if (status != 0)
        for (int k = 0; k < OUTPUTS; k++) {
            free(job->out[k]);
            job->out[k] = NULL;
        }
    free(degree);
    noding_free(&d);
    return status;
}

/* The names of the outputs, in the order of their enum. */
static const char *const OUTPUT_NAMES[OUTPUTS] = {
    "coords", "line_start", "ring_half", "ring_size", "ring_area", "ring_pinched",
    "half_ring", "set_start", "set", "ring_part", "line_length", "point_node",
};

/* A buffer argument: C-contiguous, of float64 ('d') or int64 ('q') items. */
static int get_buffer(PyObject *obj, Py_buffer *view, char kind, const char *name) {
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return -1;
    const char *f = view->format ? view->format : "B";
    if (*f == '<' || *f == '=' || *f == '@') f++;
    int ok = view->itemsize == 8 && f[0] && !f[1] &&
             (kind == 'd' ? *f == 'd' : (*f == 'q' || *f == 'l'));
    if (!ok) {
        PyErr_Format(PyExc_TypeError, "%s must be a C-contiguous buffer of %s, not of '%s'",
                     name, kind == 'd' ? "float64" : "int64",
                     view->format ? view->format : "B");
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

/* The outputs `which` of a job as a dict of bytes, by name. */
static PyObject *outputs(Job *job, const int *which, int count) {
    PyObject *result = PyDict_New();
    for (int k = 0; result && k < count; k++) {
        int w = which[k];
        PyObject *bytes = PyBytes_FromStringAndSize(job->out[w] ? (const char *)job->out[w] : "",
                                                    (Py_ssize_t)job->out_bytes[w]);
        free(job->out[w]); /* copied: let it go before the next */
        job->out[w] = NULL;
        if (!bytes || PyDict_SetItemString(result, OUTPUT_NAMES[w], bytes) < 0) Py_CLEAR(result);
        Py_XDECREF(bytes);
    }
    return result;
}

static PyObject *node(PyObject *self, PyObject *args) {
    PyObject *xy_in, *ring_in, *owner_in;
    Py_buffer xy = {0}, ring = {0}, owner = {0};
    double scale;
    int threads, check;
    if (!PyArg_ParseTuple(args, "OOOdip", &xy_in, &ring_in, &owner_in, &scale, &threads,
                          &check))
        return NULL;
    PyObject *result = NULL;
    Job job = {0};
    if (get_buffer(xy_in, &xy, 'd', "xy") || get_buffer(ring_in, &ring, 'q', "ring") ||
        get_buffer(owner_in, &owner, 'q', "owner"))
        goto end;
    size_t n = (size_t)xy.len / (2 * sizeof(double));
    size_t rings = (size_t)owner.len / sizeof(i64);
    const i64 *offsets = ring.buf;
    int valid = (size_t)xy.len == n * 2 * sizeof(double) &&
                (size_t)ring.len == (rings + 1) * sizeof(i64) && offsets[0] == 0 &&
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
    job = (Job){.xy = xy.buf, .n = n, .ring = offsets, .owner = owner.buf, .rings = rings,
                .scale = scale, .threads = threads, .check = check};
    int status;
    Py_BEGIN_ALLOW_THREADS status = run(&job);
    Py_END_ALLOW_THREADS if (status != 0) {
        PyObject *kind = job.not_planar                              ? PyExc_ArithmeticError
                         : strcmp(job.error, "out of memory") == 0 ? PyExc_MemoryError
                                                                   : PyExc_ValueError;
        PyErr_SetString(kind, job.error);
        goto end;
    }
    int all[OUTPUTS];
    for (int k = 0; k < OUTPUTS; k++) all[k] = k;
    result = outputs(&job, all, OUTPUTS);
    PyObject *lines = result ? PyLong_FromLongLong(job.lines) : NULL;
    if (result && (!lines || PyDict_SetItemString(result, "lines", lines) < 0)) Py_CLEAR(result);
    Py_XDECREF(lines);
end:
    for (int k = 0; k < OUTPUTS; k++) free(job.out[k]);
    if (xy.obj) PyBuffer_Release(&xy);
    if (ring.obj) PyBuffer_Release(&ring);
    if (owner.obj) PyBuffer_Release(&owner);
    return result;
}

/* Rings of lines already noded: trace_lines(coords, lstart, node, scale) -> the outputs
 * ring_half, ring_size, ring_area, ring_pinched and half_ring, as `node` gives them; the
 * points of line l are coords[lstart[l] : lstart[l + 1]], node: int64 node of each point
 * (equal points, equal nodes; numbers need not be dense). */
static PyObject *trace_lines(PyObject *self, PyObject *args) {
    PyObject *xy_in, *start_in, *node_in;
    Py_buffer xy = {0}, start = {0}, pnode_in = {0};
    double scale;
    if (!PyArg_ParseTuple(args, "OOOd", &xy_in, &start_in, &node_in, &scale)) return NULL;
    PyObject *result = NULL;
    u32 *pnode = NULL, *lstart = NULL;
    u64 *pkey = NULL;
    Job job = {.scale = scale, .threads = 1};
    if (get_buffer(xy_in, &xy, 'd', "coords") || get_buffer(start_in, &start, 'q', "lstart") ||
        get_buffer(node_in, &pnode_in, 'q', "node"))
        goto end;
    size_t n = (size_t)xy.len / (2 * sizeof(double));
    size_t offsets = (size_t)start.len / sizeof(i64);
    const double *coords = xy.buf;
    const i64 *ls = start.buf, *pn = pnode_in.buf;
    if (offsets == 0 || (size_t)pnode_in.len != n * sizeof(i64) || n >= NONE / 2 ||
        !(scale > 0) || ls[0] != 0 || (size_t)ls[offsets - 1] != n) {
        PyErr_SetString(PyExc_ValueError, "trace_lines: inconsistent buffers");
        goto end;
    }
    size_t lines = offsets - 1;
    pnode = malloc((n ? n : 1) * sizeof(u32));
    lstart = malloc((lines + 1) * sizeof(u32));
    pkey = malloc((n ? n : 1) * sizeof(u64));
    if (!pnode || !lstart || !pkey) {
        PyErr_NoMemory();
        goto end;
    }
    i64 nh = 0, minx = INT64_MAX, miny = INT64_MAX;
    for (size_t k = 0; k < n; k++) {
        if (pn[k] < 0 || pn[k] >= (i64)(NONE / 2) ||
            !(fabs(coords[2 * k] * scale) < 4e15 && fabs(coords[2 * k + 1] * scale) < 4e15)) {
            PyErr_SetString(PyExc_ValueError, "trace_lines: node or coordinate out of range");
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
    int status;
    Py_BEGIN_ALLOW_THREADS status =
        trace(&job, pnode, pkey, lstart, lines, (size_t)nh, NULL, NULL, NULL);
    Py_END_ALLOW_THREADS if (status != 0) {
        PyErr_NoMemory();
        goto end;
    }
    static const int traced[] = {RING_HALF, RING_SIZE, RING_AREA, RING_PINCHED, HALF_RING};
    result = outputs(&job, traced, 5);
end:
    for (int k = 0; k < OUTPUTS; k++) free(job.out[k]);
    free(pnode);
    free(lstart);
    free(pkey);
    if (xy.obj) PyBuffer_Release(&xy);
    if (start.obj) PyBuffer_Release(&start);
    if (pnode_in.obj) PyBuffer_Release(&pnode_in);
    return result;
}

/* check_pieces(xy, pieces, scale): the planarity check on its own, for the tests. xy: float64
 * pairs of distinct points; pieces: int64 pairs of point numbers. Raises ArithmeticError
 * if two pieces meet other than at a shared end. */
static PyObject *check_pieces(PyObject *self, PyObject *args) {
    PyObject *xy_in, *pieces_in;
    Py_buffer xy = {0}, pieces = {0};
    double scale;
    if (!PyArg_ParseTuple(args, "OOd", &xy_in, &pieces_in, &scale)) return NULL;
    PyObject *result = NULL;
    Job job = {.scale = scale, .threads = 1};
    Noding c = {.job = &job};
    if (get_buffer(xy_in, &xy, 'd', "xy") || get_buffer(pieces_in, &pieces, 'q', "pieces"))
        goto end;
    size_t n = (size_t)xy.len / (2 * sizeof(double)), m = (size_t)pieces.len / (2 * sizeof(i64));
    const double *pt = xy.buf;
    const i64 *ends = pieces.buf;
    int valid = scale > 0 && n < NONE / 2 && m < NONE / 2 &&
                (size_t)pieces.len == m * 2 * sizeof(i64);
    for (size_t k = 0; valid && k < 2 * m; k++) valid = ends[k] >= 0 && (size_t)ends[k] < n;
    for (size_t k = 0; valid && k < 2 * n; k++) valid = fabs(pt[k] * scale) < 1e15;
    if (!valid) {
        PyErr_SetString(PyExc_ValueError, "check_pieces: inconsistent buffers");
        goto end;
    }
    c.n = n;
    c.X = malloc((n ? n : 1) * sizeof(i64));
    c.Y = malloc((n ? n : 1) * sizeof(i64));
    c.sa = malloc((m ? m : 1) * sizeof(u32));
    c.sb = malloc((m ? m : 1) * sizeof(u32));
    if (!c.X || !c.Y || !c.sa || !c.sb) {
        PyErr_NoMemory();
        goto end;
    }
    i64 minx = INT64_MAX, miny = INT64_MAX, maxx = INT64_MIN, maxy = INT64_MIN;
    for (size_t k = 0; k < n; k++) {
        c.X[k] = (i64)nearbyint(pt[2 * k] * scale);
        c.Y[k] = (i64)nearbyint(pt[2 * k + 1] * scale);
        minx = MIN(minx, c.X[k]), miny = MIN(miny, c.Y[k]);
        maxx = MAX(maxx, c.X[k]), maxy = MAX(maxy, c.Y[k]);
    }
    if (n && (maxx - minx >= (1LL << 31) || maxy - miny >= (1LL << 31))) {
        PyErr_SetString(PyExc_ValueError, "extent too large for the grid");
        goto end;
    }
    c.minx = n ? minx - 2 : 0, c.miny = n ? miny - 2 : 0;
    c.width = n ? maxx - minx + 4 : 4, c.height = n ? maxy - miny + 4 : 4;
    for (size_t k = 0; k < n; k++) c.X[k] -= c.minx, c.Y[k] -= c.miny;
    for (size_t k = 0; k < m; k++) {
        c.sa[k] = (u32)ends[2 * k], c.sb[k] = (u32)ends[2 * k + 1];
        c.length += (double)(llabs(c.X[c.sb[k]] - c.X[c.sa[k]]) + llabs(c.Y[c.sb[k]] - c.Y[c.sa[k]]));
    }
    c.ns = m;
    int status;
    Py_BEGIN_ALLOW_THREADS status = planar_pieces(&c);
    Py_END_ALLOW_THREADS if (status) {
        PyErr_SetString(job.not_planar ? PyExc_ArithmeticError : PyExc_MemoryError, job.error);
        goto end;
    }
    result = Py_None;
    Py_INCREF(result);
end:
    noding_free(&c);
    if (xy.obj) PyBuffer_Release(&xy);
    if (pieces.obj) PyBuffer_Release(&pieces);
    return result;
}

static PyMethodDef methods[] = {
    {"check_pieces", check_pieces, METH_VARARGS,
     "The planarity check on its own (for the tests); see its comment."},
    {"node", node, METH_VARARGS,
     "Snap-rounded noding and face tracing of rings; see the module comment."},
    {"trace_lines", trace_lines, METH_VARARGS, "Rings of noded lines; see its comment."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_noder", NULL, -1, methods};

PyMODINIT_FUNC PyInit__noder(void) { return PyModule_Create(&module); }
