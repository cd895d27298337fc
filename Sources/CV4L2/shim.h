// The V4L2 API (<linux/videodev2.h>) and libv4l2, which routes every call through its
// format-conversion layer and its plugins (a test camera is such a plugin). v4l2_open and
// v4l2_ioctl are variadic, which Swift cannot call: the wrappers below fix their arguments.
#ifndef MOBILENET_CV4L2_SHIM_H
#define MOBILENET_CV4L2_SHIM_H

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <linux/videodev2.h>
#include <libv4l2.h>

/// v4l2_open(path, flags) for a device that is not created (no mode argument).
static inline int mn_v4l2_open(const char *path, int flags) {
    return v4l2_open(path, flags);
}

/// v4l2_ioctl(fd, request, argument) with the single pointer argument every VIDIOC_* takes.
static inline int mn_v4l2_ioctl(int fd, unsigned long request, void *argument) {
    return v4l2_ioctl(fd, request, argument);
}

#endif
