// nbody: the classic five-body (Sun and gas giants) symplectic integrator in double precision,
// `steps` steps (argv[1], default 1500000). Prints the energy before and after.
// Built with -ffp-contract=off so every architecture rounds each operation the same way.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define kPi 3.141592653589793
#define kSolarMass (4 * kPi * kPi)
#define kDaysPerYear 365.24

typedef struct {
    double x, y, z, vx, vy, vz, mass;
} Body;

static Body g_bodies[5] = {
    {0, 0, 0, 0, 0, 0, kSolarMass},
    {4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
     1.66007664274403694e-03 * kDaysPerYear, 7.69901118419740425e-03 * kDaysPerYear,
     -6.90460016972063023e-05 * kDaysPerYear, 9.54791938424326609e-04 * kSolarMass},
    {8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
     -2.76742510726862411e-03 * kDaysPerYear, 4.99852801234917238e-03 * kDaysPerYear,
     2.30417297573763929e-05 * kDaysPerYear, 2.85885980666130812e-04 * kSolarMass},
    {1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
     2.96460137564761618e-03 * kDaysPerYear, 2.37847173959480950e-03 * kDaysPerYear,
     -2.96589568540237556e-05 * kDaysPerYear, 4.36624404335156298e-05 * kSolarMass},
    {1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
     2.68067772490389322e-03 * kDaysPerYear, 1.62824170038242295e-03 * kDaysPerYear,
     -9.51592254519715870e-05 * kDaysPerYear, 5.15138902046611451e-05 * kSolarMass}};

static double energy(void) {
    double e = 0;
    for (int i = 0; i < 5; i++) {
        Body* b = &g_bodies[i];
        e += 0.5 * b->mass * (b->vx * b->vx + b->vy * b->vy + b->vz * b->vz);
        for (int j = i + 1; j < 5; j++) {
            Body* c = &g_bodies[j];
            double dx = b->x - c->x, dy = b->y - c->y, dz = b->z - c->z;
            e -= b->mass * c->mass / sqrt(dx * dx + dy * dy + dz * dz);
        }
    }
    return e;
}

static void advance(double dt) {
    for (int i = 0; i < 5; i++) {
        Body* b = &g_bodies[i];
        for (int j = i + 1; j < 5; j++) {
            Body* c = &g_bodies[j];
            double dx = b->x - c->x, dy = b->y - c->y, dz = b->z - c->z;
            double d2 = dx * dx + dy * dy + dz * dz;
            double mag = dt / (d2 * sqrt(d2));
            b->vx -= dx * c->mass * mag;
            b->vy -= dy * c->mass * mag;
            b->vz -= dz * c->mass * mag;
            c->vx += dx * b->mass * mag;
            c->vy += dy * b->mass * mag;
            c->vz += dz * b->mass * mag;
        }
    }
    for (int i = 0; i < 5; i++) {
        Body* b = &g_bodies[i];
        b->x += dt * b->vx;
        b->y += dt * b->vy;
        b->z += dt * b->vz;
    }
}

int main(int argc, char** argv) {
    long steps = argc > 1 ? atol(argv[1]) : 1500000;
    double px = 0, py = 0, pz = 0;
    for (int i = 0; i < 5; i++) {
        px += g_bodies[i].vx * g_bodies[i].mass;
        py += g_bodies[i].vy * g_bodies[i].mass;
        pz += g_bodies[i].vz * g_bodies[i].mass;
    }
    g_bodies[0].vx = -px / kSolarMass;
    g_bodies[0].vy = -py / kSolarMass;
    g_bodies[0].vz = -pz / kSolarMass;
    printf("nbody steps=%ld energy_before=%.9f\n", steps, energy());
    for (long s = 0; s < steps; s++)
        advance(0.01);
    printf("nbody energy_after=%.9f bits=%a\n", energy(), energy());
    return 0;
}
