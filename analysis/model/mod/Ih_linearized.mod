COMMENT
Hyperpolarization-activated cation current Ih (Kole et al. 2006, as in Hay et al. 2011), linearized around
V_R (docs/model.md §2.2; the quasi-active description of Hagen et al. 2022):
    ihcn = gbar * winf(V_R) * (v - E_h) - mu * m
    dm/dt = (v - V_R - m) / tau_w(V_R)
    mu = gbar * dwinf/dV(V_R) * (E_h - V_R)
m is the low-pass filtered deviation of v from V_R (mV). Written for this compendium from docs/model.md §2.2.
ENDCOMMENT

NEURON {
    SUFFIX Ih_linearized
    NONSPECIFIC_CURRENT ihcn
    RANGE gbar, E_h, V_R, winf, tau_w, dwinf_dv, mu
}

UNITS {
    (S) = (siemens)
    (mV) = (millivolt)
    (mA) = (milliamp)
}

PARAMETER {
    gbar = 0.00001 (S/cm2)
    E_h = -45 (mV)
    V_R = -65 (mV)
}

ASSIGNED {
    v (mV)
    ihcn (mA/cm2)
    winf (1)
    tau_w (ms)
    dwinf_dv (/mV)
    mu (S/cm2)
}

STATE {
    m (mV)
}

INITIAL {
    linearize(V_R)
    m = v - V_R
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    ihcn = gbar * winf * (v - E_h) - mu * m
}

DERIVATIVE states {
    m' = (v - V_R - m) / tau_w
}

UNITSOFF
PROCEDURE linearize(V) {
    LOCAL u, a, b
    u = V + 154.9
    a = 0.00643 * u / (exp(u / 11.9) - 1)
    b = 0.193 * exp(V / 33.1)
    winf = a / (a + b)
    tau_w = 1 / (a + b)
    dwinf_dv = -b * a * tau_w^2 / u * (a / (11.9 * 0.00643) * exp(u / 11.9) + u / 33.1 - 1)
    mu = gbar * dwinf_dv * (E_h - V)
}
UNITSON
