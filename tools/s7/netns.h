/* s7 inventory check --as: the named network namespaces (`ip netns`) that hold a partner's
 * address (netns.c). */
#ifndef S7_TOOLS_NETNS_H
#define S7_TOOLS_NETNS_H

#include <stddef.h>

/* Which namespace under /var/run/netns holds address: 1 with its name in name; 0 none does
 * (or there are none); -1 some could not be looked into (not root).  names gets every
 * namespace's name, space-separated ("" none). */
int netns_find(const char *address, char *name, size_t cap, char *names, size_t ncap);
/* Moves this process into the namespace name (root).  0, or -1 with a message in err. */
int netns_enter(const char *name, char *err, size_t cap);

#endif
