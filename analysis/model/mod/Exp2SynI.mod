COMMENT
Current-based twin of NEURON's Exp2Syn (docs/model.md §2.2): i = B - A (nA), dA/dt = -A/tau1, dB/dt = -B/tau2.
An event of weight w (nA) adds -w * factor to A and B, factor normalizing the peak of the difference of
exponentials to 1, so a positive weight gives an inward (negative, depolarizing) current with peak -w.
LFPykernels uses a mechanism of this name for linearized Exp2Syn synapses. Written for this compendium.
ENDCOMMENT

NEURON {
    POINT_PROCESS Exp2SynI
    RANGE tau1, tau2, i
    NONSPECIFIC_CURRENT i
}

UNITS {
    (nA) = (nanoamp)
}

PARAMETER {
    tau1 = 0.1 (ms) <1e-9, 1e9>
    tau2 = 10 (ms) <1e-9, 1e9>
}

ASSIGNED {
    i (nA)
    factor (1)
}

STATE {
    A (nA)
    B (nA)
}

INITIAL {
    LOCAL tp
    : equal time constants would make the difference vanish: keep them apart as Exp2Syn does
    if (tau1 / tau2 > 0.9999) {
        tau1 = 0.9999 * tau2
    }
    A = 0
    B = 0
    tp = (tau1 * tau2) / (tau2 - tau1) * log(tau2 / tau1)
    factor = 1 / (-exp(-tp / tau1) + exp(-tp / tau2))
}

BREAKPOINT {
    SOLVE state METHOD cnexp
    i = B - A
}

DERIVATIVE state {
    A' = -A / tau1
    B' = -B / tau2
}

NET_RECEIVE(weight (nA)) {
    A = A - weight * factor
    B = B - weight * factor
}
