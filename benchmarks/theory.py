"""What the queues of the floor-and-peer benchmarks should give: Erlang C."""

from __future__ import annotations

import math


def erlang_c_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean wait in queue of an M/M/c queue (minutes when rates are per minute).

    >>> round(erlang_c_wait(0.9, 1.0, 1), 6)
    9.0
    """
    offered = arrival_rate / service_rate
    rho = offered / servers
    if rho >= 1:
        return math.inf
    head = sum(offered**k / math.factorial(k) for k in range(servers))
    tail = offered**servers / (math.factorial(servers) * (1 - rho))
    return tail / (head + tail) / (servers * service_rate - arrival_rate)
