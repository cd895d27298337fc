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

// The ioctl request codes are function-like macros (_IOWR with sizeof), which Swift does not
// import: the same values as constants.
static const unsigned long MN_VIDIOC_QUERYCAP = VIDIOC_QUERYCAP;
static const unsigned long MN_VIDIOC_ENUM_FMT = VIDIOC_ENUM_FMT;
static const unsigned long MN_VIDIOC_ENUM_FRAMESIZES = VIDIOC_ENUM_FRAMESIZES;
static const unsigned long MN_VIDIOC_S_FMT = VIDIOC_S_FMT;
static const unsigned long MN_VIDIOC_G_PARM = VIDIOC_G_PARM;
static const unsigned long MN_VIDIOC_S_PARM = VIDIOC_S_PARM;
static const unsigned long MN_VIDIOC_REQBUFS = VIDIOC_REQBUFS;
static const unsigned long MN_VIDIOC_QUERYBUF = VIDIOC_QUERYBUF;
static const unsigned long MN_VIDIOC_QBUF = VIDIOC_QBUF;
static const unsigned long MN_VIDIOC_DQBUF = VIDIOC_DQBUF;
static const unsigned long MN_VIDIOC_STREAMON = VIDIOC_STREAMON;
static const unsigned long MN_VIDIOC_STREAMOFF = VIDIOC_STREAMOFF;

#endif
