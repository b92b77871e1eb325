/* Expiry as the kernel sees it (SPEC §9, §16). */
#ifndef FS_EXPIRE_H
#define FS_EXPIRE_H

#include "fs.h"

/* Entry and attribute timeout for an item: no later than its expiry. */
double fs_expire_timeout(const eng_meta *m);

/* Hear of the engine's TTL deletions (at mount), and stop (at unmount). */
void fs_expire_start(void);
void fs_expire_stop(void);

/* The test clock moved: drop the kernel's cached items and listings. */
void fs_expire_clock_jumped(void);

#endif
