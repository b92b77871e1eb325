/* The public face of the engine is engine.h; this name is kept for
 * includes that predate it. */
#include "engine.h"
