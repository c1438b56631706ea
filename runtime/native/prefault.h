#ifndef PLATFORM_PREFAULT_H
#define PLATFORM_PREFAULT_H

/* Populates the executable's .bss/.hydrated pages in one call (see prefault.c). Best effort. */
void platform_prefault_image(void);

#endif
