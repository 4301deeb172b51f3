COMMENT
Transient sodium current of Hay et al. (2011), frozen at the linearization point V_R (docs/model.md §2.2).

The gates are evaluated once, at V_R, so the current is a linear leak
    ina = gbar * minf(V_R)^3 * hinf(V_R) * (v - ena)
which vanishes at rest when ena = V_R. Written for this compendium from the equations in docs/model.md §2.2.
ENDCOMMENT

NEURON {
    SUFFIX NaTa_t_frozen
    USEION na READ ena WRITE ina
    RANGE gbar, V_R, g
}

UNITS {
    (S) = (siemens)
    (mV) = (millivolt)
    (mA) = (milliamp)
}

PARAMETER {
    gbar = 0.00001 (S/cm2)
    V_R = -65 (mV)
}

ASSIGNED {
    v (mV)
    ena (mV)
    ina (mA/cm2)
    g (S/cm2)
}

INITIAL {
    g = gbar * minf(V_R)^3 * hinf(V_R)
}

BREAKPOINT {
    ina = g * (v - ena)
}

UNITSOFF
: alpha and beta have removable singularities at V = -38 (m) and V = -66 (h): nudge V by 1e-4 mV there
FUNCTION minf(V) {
    LOCAL x, a, b
    x = V
    if (fabs(x + 38) < 1e-6) {
        x = x + 1e-4
    }
    a = 0.182 * (x + 38) / (1 - exp(-(x + 38) / 6))
    b = 0.124 * (-x - 38) / (1 - exp(-(-x - 38) / 6))
    minf = a / (a + b)
}

FUNCTION hinf(V) {
    LOCAL x, a, b
    x = V
    if (fabs(x + 66) < 1e-6) {
        x = x + 1e-4
    }
    a = -0.015 * (x + 66) / (1 - exp((x + 66) / 6))
    b = -0.015 * (-x - 66) / (1 - exp((-x - 66) / 6))
    hinf = a / (a + b)
}
UNITSON
