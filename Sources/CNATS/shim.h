#ifndef PLATEWATCH_CNATS_SHIM_H
#define PLATEWATCH_CNATS_SHIM_H

// Debian's libnats-dev (cnats 3.x): the NATS client with JetStream.
#include <nats/nats.h>

#endif
