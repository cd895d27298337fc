// A test camera for libv4l2: a plugin (libv4l2 loads every .so in its plugins directory and
// offers it each opened device) that claims regular files describing a fake capture device and
// answers the V4L2 capture ioctls the way a UVC driver does, serving frames read from files.
// This machine kind's kernel has no video drivers and cannot load modules, so this is how the
// tests give libv4l2 a camera. Only for tests: installed by `make camera-plugin`.
//
// The device file is text, one setting a line, ending with a line "end":
//
//     mobilenet-test-camera
//     fps 30
//     mode MJPG 640 480 /tmp/frames/a.jpg /tmp/frames/b.jpg
//     mode YUYV 640 480 /tmp/frames/a.yuyv
//     end
//
// Each mode is a pixel format and size with its frames (served in a loop). Frames "arrive" at
// `fps` from STREAMON on CLOCK_MONOTONIC; each fills the oldest queued buffer, and is lost when
// none is queued (as a UVC driver drops frames the application has no buffer for); sequence
// numbers count every arrival, so losses show as gaps. The buffers live in the device file
// itself, past the text at page-aligned offsets, so the application's mmap of the fd (which
// libv4l2 passes to the kernel) sees the frames written with pwrite.
//
// Faults, switched by the tests while the camera runs:
// - the device file removed: every ioctl fails with ENODEV (unplugged);
// - a file "<device>.stall" exists: no frames arrive (a stalled camera);
// - a file "<device>.corrupt" exists: MJPEG frames arrive damaged, alternately truncated to
//   half their length and with their first 64 bytes zeroed;
// - another open file holds the buffers (REQBUFS with a count): REQBUFS fails with EBUSY.
#include <errno.h>
#include <fcntl.h>
#include <libv4l-plugin.h>
#include <linux/videodev2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAGIC "mobilenet-test-camera"

enum { maximumModes = 8, maximumFrames = 64, maximumBuffers = 32 };

typedef struct {
    uint32_t fourcc;
    uint32_t width, height;
    int frameCount;
    uint8_t *frames[maximumFrames];
    size_t frameSizes[maximumFrames];
    size_t largestFrame;
} Mode;

typedef struct {
    int fd;
    char path[4096];
    int fps;
    Mode modes[maximumModes];
    int modeCount;
    int current;  // the mode S_FMT chose
    off_t dataOffset;  // where the buffers start in the file
    // Buffers
    uint32_t bufferCount;
    size_t bufferSize;  // page-aligned
    int queued[maximumBuffers];  // FIFO of queued buffer indices
    int queuedCount;
    int done[maximumBuffers];  // FIFO of filled buffers
    int doneCount;
    uint32_t bytesUsed[maximumBuffers];
    uint32_t sequences[maximumBuffers];
    uint64_t timestamps[maximumBuffers];
    int locked;
    // Stream
    int streaming;
    uint64_t start;  // STREAMON time, ns
    uint64_t arrived;  // frames arrived since STREAMON
} Camera;

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static int fail(int code) {
    errno = code;
    return -1;
}

static int sibling_exists(const Camera *camera, const char *suffix) {
    char path[4200];
    snprintf(path, sizeof path, "%s%s", camera->path, suffix);
    return access(path, F_OK) == 0;
}

static uint32_t fourcc_of(const char *text) {
    if (strlen(text) != 4) return 0;
    return v4l2_fourcc(text[0], text[1], text[2], text[3]);
}

static uint8_t *read_file(const char *path, size_t *size) {
    FILE *file = fopen(path, "rb");
    if (file == NULL) return NULL;
    fseek(file, 0, SEEK_END);
    long length = ftell(file);
    fseek(file, 0, SEEK_SET);
    uint8_t *data = length > 0 ? malloc((size_t)length) : NULL;
    if (data != NULL && fread(data, 1, (size_t)length, file) != (size_t)length) {
        free(data);
        data = NULL;
    }
    fclose(file);
    *size = (size_t)length;
    return data;
}

static void release(Camera *camera) {
    for (int m = 0; m < camera->modeCount; m++)
        for (int f = 0; f < camera->modes[m].frameCount; f++) free(camera->modes[m].frames[f]);
    free(camera);
}

/// Reads the description; 0 when the file is not a test camera or is malformed.
static int parse(Camera *camera, FILE *file) {
    char line[8192];
    if (fgets(line, sizeof line, file) == NULL || strncmp(line, MAGIC, strlen(MAGIC)) != 0) return 0;
    camera->fps = 30;
    while (fgets(line, sizeof line, file) != NULL) {
        line[strcspn(line, "\n")] = 0;
        char *save = NULL;
        char *key = strtok_r(line, " ", &save);
        if (key == NULL) continue;
        if (strcmp(key, "end") == 0) {
            long page = sysconf(_SC_PAGESIZE);
            camera->dataOffset = (ftell(file) + page - 1) / page * page;
            return camera->modeCount > 0;
        }
        if (strcmp(key, "fps") == 0) {
            char *value = strtok_r(NULL, " ", &save);
            camera->fps = value ? atoi(value) : 0;
            if (camera->fps <= 0) return 0;
        } else if (strcmp(key, "mode") == 0 && camera->modeCount < maximumModes) {
            Mode *mode = &camera->modes[camera->modeCount++];
            char *format = strtok_r(NULL, " ", &save);
            char *width = strtok_r(NULL, " ", &save);
            char *height = strtok_r(NULL, " ", &save);
            if (format == NULL || width == NULL || height == NULL) return 0;
            mode->fourcc = fourcc_of(format);
            mode->width = (uint32_t)atoi(width);
            mode->height = (uint32_t)atoi(height);
            if (mode->fourcc == 0 || mode->width == 0 || mode->height == 0) return 0;
            char *path;
            while ((path = strtok_r(NULL, " ", &save)) != NULL && mode->frameCount < maximumFrames) {
                size_t size = 0;
                uint8_t *data = read_file(path, &size);
                if (data == NULL) {
                    fprintf(stderr, "test camera: cannot read frame %s\n", path);
                    return 0;
                }
                mode->frames[mode->frameCount] = data;
                mode->frameSizes[mode->frameCount++] = size;
                if (size > mode->largestFrame) mode->largestFrame = size;
            }
            if (mode->frameCount == 0) return 0;
        }
    }
    return 0;  // no "end"
}

static void *plugin_init(int fd) {
    struct stat status;
    if (fstat(fd, &status) != 0 || !S_ISREG(status.st_mode)) return NULL;
    char link[64], path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t length = readlink(link, path, sizeof path - 1);
    if (length <= 0) return NULL;
    path[length] = 0;
    int copy = dup(fd);  // a FILE of our own, so that fclose leaves the application's fd open
    if (copy < 0) return NULL;
    FILE *file = fdopen(copy, "r");
    if (file == NULL) {
        close(copy);
        return NULL;
    }
    fseek(file, 0, SEEK_SET);
    Camera *camera = calloc(1, sizeof *camera);
    if (camera == NULL || !parse(camera, file)) {
        fclose(file);
        if (camera) release(camera);
        return NULL;
    }
    fclose(file);
    camera->fd = fd;
    memcpy(camera->path, path, (size_t)length + 1);
    return camera;
}

static void plugin_close(void *private) {
    Camera *camera = private;
    if (camera->locked) flock(camera->fd, LOCK_UN);
    release(camera);
}

static int unplugged(const Camera *camera) {
    struct stat status;
    return fstat(camera->fd, &status) != 0 || status.st_nlink == 0;
}

static const Mode *mode_matching(const Camera *camera, uint32_t fourcc, uint32_t width, uint32_t height) {
    const Mode *best = NULL;
    for (int m = 0; m < camera->modeCount; m++) {
        const Mode *mode = &camera->modes[m];
        if (mode->fourcc != fourcc) continue;
        if (best == NULL) best = mode;
        if (mode->width == width && mode->height == height) return mode;
    }
    return best;
}

static void describe(const Mode *mode, struct v4l2_pix_format *pix) {
    memset(pix, 0, sizeof *pix);
    pix->width = mode->width;
    pix->height = mode->height;
    pix->pixelformat = mode->fourcc;
    pix->field = V4L2_FIELD_NONE;
    switch (mode->fourcc) {
    case V4L2_PIX_FMT_YUYV: pix->bytesperline = mode->width * 2; break;
    case V4L2_PIX_FMT_RGB24: pix->bytesperline = mode->width * 3; break;
    case V4L2_PIX_FMT_GREY:
    case V4L2_PIX_FMT_NV12: pix->bytesperline = mode->width; break;
    default: pix->bytesperline = 0; break;  // compressed
    }
    pix->sizeimage = (uint32_t)mode->largestFrame;
    pix->colorspace = mode->fourcc == V4L2_PIX_FMT_MJPEG ? V4L2_COLORSPACE_JPEG : V4L2_COLORSPACE_SRGB;
}

/// Fills the oldest queued buffer with frame number `number` (1-based), arrived at `time`.
static void deliver(Camera *camera, uint64_t number, uint64_t time) {
    if (camera->queuedCount == 0) return;  // no buffer: the frame is lost
    int index = camera->queued[0];
    memmove(camera->queued, camera->queued + 1, (size_t)--camera->queuedCount * sizeof(int));
    const Mode *mode = &camera->modes[camera->current];
    int f = (int)((number - 1) % (uint64_t)mode->frameCount);
    const uint8_t *frame = mode->frames[f];
    size_t size = mode->frameSizes[f];
    off_t at = camera->dataOffset + (off_t)index * (off_t)camera->bufferSize;
    if (mode->fourcc == V4L2_PIX_FMT_MJPEG && sibling_exists(camera, ".corrupt")) {
        if (number % 2) {
            size /= 2;
            (void)!pwrite(camera->fd, frame, size, at);
        } else {
            static const uint8_t zeros[64];
            (void)!pwrite(camera->fd, frame, size, at);
            (void)!pwrite(camera->fd, zeros, sizeof zeros, at);
        }
    } else {
        (void)!pwrite(camera->fd, frame, size, at);
    }
    camera->bytesUsed[index] = (uint32_t)size;
    camera->sequences[index] = (uint32_t)(number - 1);
    camera->timestamps[index] = time;
    camera->done[camera->doneCount++] = index;
}

/// Delivers the frames that arrived since the last call.
static void catch_up(Camera *camera) {
    if (!camera->streaming) return;
    uint64_t period = 1000000000u / (uint64_t)camera->fps;
    uint64_t now = now_ns();
    uint64_t due = (now - camera->start) / period;
    if (sibling_exists(camera, ".stall")) {
        camera->arrived = due;  // stalled: the frames never come
        return;
    }
    // Only the last maximumBuffers arrivals can land in a buffer; older ones would be lost.
    if (due > camera->arrived + maximumBuffers) camera->arrived = due - maximumBuffers;
    while (camera->arrived < due) {
        camera->arrived++;
        deliver(camera, camera->arrived, camera->start + camera->arrived * period);
    }
}

static int request_buffers(Camera *camera, struct v4l2_requestbuffers *request) {
    if (request->type != V4L2_BUF_TYPE_VIDEO_CAPTURE || request->memory != V4L2_MEMORY_MMAP) return fail(EINVAL);
    if (camera->streaming) return fail(EBUSY);
    if (request->count == 0) {
        camera->bufferCount = 0;
        camera->queuedCount = camera->doneCount = 0;
        if (camera->locked) flock(camera->fd, LOCK_UN);
        camera->locked = 0;
        return 0;
    }
    if (!camera->locked) {
        if (flock(camera->fd, LOCK_EX | LOCK_NB) != 0) return fail(EBUSY);  // another program streams
        camera->locked = 1;
    }
    if (request->count > maximumBuffers) request->count = maximumBuffers;
    long page = sysconf(_SC_PAGESIZE);
    const Mode *mode = &camera->modes[camera->current];
    camera->bufferSize = (mode->largestFrame + (size_t)page - 1) / (size_t)page * (size_t)page;
    camera->bufferCount = request->count;
    camera->queuedCount = camera->doneCount = 0;
    off_t end = camera->dataOffset + (off_t)camera->bufferSize * camera->bufferCount;
    struct stat status;
    if (fstat(camera->fd, &status) != 0) return -1;
    if (status.st_size < end && ftruncate(camera->fd, end) != 0) return -1;
    return 0;
}

static int describe_buffer(Camera *camera, struct v4l2_buffer *buffer, uint32_t index) {
    uint32_t flags = V4L2_BUF_FLAG_MAPPED | V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC;
    for (int i = 0; i < camera->queuedCount; i++)
        if (camera->queued[i] == (int)index) flags |= V4L2_BUF_FLAG_QUEUED;
    memset(buffer, 0, sizeof *buffer);
    buffer->index = index;
    buffer->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    buffer->memory = V4L2_MEMORY_MMAP;
    buffer->flags = flags;
    buffer->field = V4L2_FIELD_NONE;
    buffer->m.offset = (uint32_t)(camera->dataOffset + (off_t)index * (off_t)camera->bufferSize);
    buffer->length = (uint32_t)camera->bufferSize;
    return 0;
}

static int dequeue(Camera *camera, struct v4l2_buffer *buffer) {
    if (!camera->streaming) return fail(EINVAL);
    catch_up(camera);
    if (camera->doneCount == 0) {
        if (fcntl(camera->fd, F_GETFL) & O_NONBLOCK) return fail(EAGAIN);
        // Blocking: wait for the next arrival (or give up as a driver's timeout would).
        for (int waited = 0; camera->doneCount == 0 && waited < 2000; waited++) {
            usleep(1000);
            if (unplugged(camera)) return fail(ENODEV);
            catch_up(camera);
        }
        if (camera->doneCount == 0) return fail(EIO);
    }
    int index = camera->done[0];
    memmove(camera->done, camera->done + 1, (size_t)--camera->doneCount * sizeof(int));
    describe_buffer(camera, buffer, (uint32_t)index);
    buffer->flags |= V4L2_BUF_FLAG_DONE;
    buffer->bytesused = camera->bytesUsed[index];
    buffer->sequence = camera->sequences[index];
    uint64_t time = camera->timestamps[index];
    buffer->timestamp.tv_sec = (time_t)(time / 1000000000u);
    buffer->timestamp.tv_usec = (suseconds_t)(time % 1000000000u / 1000u);
    return 0;
}

static int plugin_ioctl(void *private, int fd, unsigned long request, void *argument) {
    (void)fd;
    Camera *camera = private;
    if (unplugged(camera)) return fail(ENODEV);
    switch (request) {
    case VIDIOC_QUERYCAP: {
        struct v4l2_capability *cap = argument;
        memset(cap, 0, sizeof *cap);
        snprintf((char *)cap->driver, sizeof cap->driver, "mobilenet-test");
        snprintf((char *)cap->card, sizeof cap->card, "MobileNet test camera");
        snprintf((char *)cap->bus_info, sizeof cap->bus_info, "file:%.20s", camera->path);
        cap->version = 0x060100;
        cap->device_caps = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING;
        cap->capabilities = cap->device_caps | V4L2_CAP_DEVICE_CAPS;
        return 0;
    }
    case VIDIOC_ENUM_FMT: {
        struct v4l2_fmtdesc *description = argument;
        if (description->type != V4L2_BUF_TYPE_VIDEO_CAPTURE) return fail(EINVAL);
        // Each distinct format once, in the order of the modes.
        uint32_t seen[maximumModes];
        uint32_t count = 0;
        for (int m = 0; m < camera->modeCount; m++) {
            uint32_t fourcc = camera->modes[m].fourcc;
            int known = 0;
            for (uint32_t i = 0; i < count; i++) known |= seen[i] == fourcc;
            if (known) continue;
            if (count == description->index) {
                uint32_t index = description->index;
                memset(description, 0, sizeof *description);
                description->index = index;
                description->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
                description->pixelformat = fourcc;
                description->flags = fourcc == V4L2_PIX_FMT_MJPEG ? V4L2_FMT_FLAG_COMPRESSED : 0;
                snprintf((char *)description->description, sizeof description->description, "%.4s",
                         (const char *)&fourcc);
                return 0;
            }
            seen[count++] = fourcc;
        }
        return fail(EINVAL);
    }
    case VIDIOC_ENUM_FRAMESIZES: {
        struct v4l2_frmsizeenum *size = argument;
        uint32_t count = 0;
        for (int m = 0; m < camera->modeCount; m++) {
            if (camera->modes[m].fourcc != size->pixel_format) continue;
            if (count++ == size->index) {
                size->type = V4L2_FRMSIZE_TYPE_DISCRETE;
                size->discrete.width = camera->modes[m].width;
                size->discrete.height = camera->modes[m].height;
                return 0;
            }
        }
        return fail(EINVAL);
    }
    case VIDIOC_ENUM_FRAMEINTERVALS: {
        struct v4l2_frmivalenum *interval = argument;
        if (interval->index != 0 || mode_matching(camera, interval->pixel_format, interval->width, interval->height) == NULL)
            return fail(EINVAL);
        interval->type = V4L2_FRMIVAL_TYPE_DISCRETE;
        interval->discrete.numerator = 1;
        interval->discrete.denominator = (uint32_t)camera->fps;
        return 0;
    }
    case VIDIOC_G_FMT:
    case VIDIOC_TRY_FMT:
    case VIDIOC_S_FMT: {
        struct v4l2_format *format = argument;
        if (format->type != V4L2_BUF_TYPE_VIDEO_CAPTURE) return fail(EINVAL);
        const Mode *mode = &camera->modes[camera->current];
        if (request != VIDIOC_G_FMT) {
            const Mode *match = mode_matching(camera, format->fmt.pix.pixelformat, format->fmt.pix.width,
                                              format->fmt.pix.height);
            if (match != NULL) mode = match;  // like a driver, fall back to the current format
        }
        if (request == VIDIOC_S_FMT) {
            if (camera->bufferCount > 0 && mode != &camera->modes[camera->current]) return fail(EBUSY);
            camera->current = (int)(mode - camera->modes);
        }
        describe(mode, &format->fmt.pix);
        return 0;
    }
    case VIDIOC_G_PARM:
    case VIDIOC_S_PARM: {
        struct v4l2_streamparm *parameters = argument;
        if (parameters->type != V4L2_BUF_TYPE_VIDEO_CAPTURE) return fail(EINVAL);
        memset(&parameters->parm, 0, sizeof parameters->parm);
        parameters->parm.capture.capability = V4L2_CAP_TIMEPERFRAME;
        parameters->parm.capture.timeperframe.numerator = 1;
        parameters->parm.capture.timeperframe.denominator = (uint32_t)camera->fps;
        return 0;
    }
    case VIDIOC_REQBUFS: return request_buffers(camera, argument);
    case VIDIOC_QUERYBUF: {
        struct v4l2_buffer *buffer = argument;
        if (buffer->index >= camera->bufferCount) return fail(EINVAL);
        return describe_buffer(camera, buffer, buffer->index);
    }
    case VIDIOC_QBUF: {
        struct v4l2_buffer *buffer = argument;
        if (buffer->index >= camera->bufferCount || buffer->memory != V4L2_MEMORY_MMAP) return fail(EINVAL);
        for (int i = 0; i < camera->queuedCount; i++)
            if (camera->queued[i] == (int)buffer->index) return fail(EINVAL);
        for (int i = 0; i < camera->doneCount; i++)
            if (camera->done[i] == (int)buffer->index) return fail(EINVAL);
        catch_up(camera);  // frames that arrived before this buffer was queued are not its
        camera->queued[camera->queuedCount++] = (int)buffer->index;
        buffer->flags |= V4L2_BUF_FLAG_QUEUED;
        return 0;
    }
    case VIDIOC_DQBUF: return dequeue(camera, argument);
    case VIDIOC_STREAMON:
        if (camera->bufferCount == 0) return fail(EINVAL);
        if (!camera->streaming) {
            camera->streaming = 1;
            camera->start = now_ns();
            camera->arrived = 0;
        }
        return 0;
    case VIDIOC_STREAMOFF:
        camera->streaming = 0;
        camera->queuedCount = camera->doneCount = 0;  // every buffer back to the application
        return 0;
    default: return fail(ENOTTY);
    }
}

static ssize_t plugin_read(void *private, int fd, void *buffer, size_t size) {
    (void)private, (void)fd, (void)buffer, (void)size;
    return fail(EINVAL);  // streaming only
}

__attribute__((visibility("default"))) const struct libv4l_dev_ops libv4l2_plugin = {
    .init = plugin_init,
    .close = plugin_close,
    .ioctl = plugin_ioctl,
    .read = plugin_read,
};
