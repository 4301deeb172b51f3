COMMENT
Kv3.1 potassium current of Hay et al. (2011), frozen at the linearization point V_R (docs/model.md §2.2):
    ik = gbar * minf(V_R) * (v - ek),   minf(V) = 1 / (1 + exp((V - 18.7) / -9.7))
a linear leak that vanishes at rest when ek = V_R. Written for this compendium from the equations in docs/model.md §2.2.
ENDCOMMENT

NEURON {
    SUFFIX SKv3_1_frozen
    USEION k READ ek WRITE ik
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
    ek (mV)
    ik (mA/cm2)
    g (S/cm2)
}

INITIAL {
    g = gbar * minf(V_R)
}

BREAKPOINT {
    ik = g * (v - ek)
}

UNITSOFF
FUNCTION minf(V) {
    minf = 1 / (1 + exp((V - 18.7) / (-9.7)))
}
UNITSON
