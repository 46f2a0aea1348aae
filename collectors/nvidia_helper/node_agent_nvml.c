// node-agent-nvml: the process that talks to NVML for the nvidia collector.
//
// Why a separate, dynamically linked process: node-agent is a static PIE, and glibc's
// dlopen from a static binary only works with the exact glibc it was built with (on a
// newer host libnvidia-ml.so.1 crashed it with SIGFPE). This helper is linked against
// the host's libc through the normal dynamic loader instead, dlopen()s NVML, and is
// embedded in node-agent and exec'd from a memfd (collectors/nvidia.cc).
//
// It must run on any glibc >= 2.17, so every glibc symbol is pinned to the
// architecture's baseline version (see GLIBC_BASE) and _start is our own: glibc >= 2.34's
// Scrt1.o calls __libc_start_main@GLIBC_2.34. No NVML header either: the few types and
// functions used are declared here.
//
// Protocol: argv[1] is the library to load. Each byte read on stdin asks for one
// snapshot, written to stdout as lines "KEY VALUE" ending with "end" (see
// ParseNvidiaSnapshot in collectors/nvidia.h). EOF on stdin, which node-agent's exit
// closes, ends the process.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__)
#define GLIBC_BASE "GLIBC_2.2.5"
#elif defined(__aarch64__)
#define GLIBC_BASE "GLIBC_2.17"
#else
#error "node-agent-nvml: unsupported architecture"
#endif
#define PIN(sym) __asm__(".symver " #sym "," #sym "@" GLIBC_BASE)
PIN(__libc_start_main);
PIN(dlopen);
PIN(dlsym);
PIN(dlerror);
PIN(pthread_create);
PIN(pthread_mutex_lock);
PIN(pthread_mutex_unlock);
PIN(read);
PIN(write);
PIN(poll);
PIN(vsnprintf);
PIN(snprintf);
PIN(memset);
PIN(memcpy);
PIN(strlen);
PIN(strncmp);
PIN(nanosleep);
PIN(time);
PIN(_exit);

// ---- the NVML subset used (nvml.h's ABI) ----
typedef int nvmlReturn_t;
typedef struct nvmlDevice_st* nvmlDevice_t;
typedef struct nvmlEventSet_st* nvmlEventSet_t;
enum { NVML_SUCCESS = 0, NVML_ERROR_TIMEOUT = 10, NVML_ERROR_GPU_IS_LOST = 15 };
enum { NVML_TEMPERATURE_GPU = 0, NVML_CLOCK_SM = 1, NVML_CLOCK_MEM = 2 };
enum { NVML_MEMORY_ERROR_CORRECTED = 0, NVML_MEMORY_ERROR_UNCORRECTED = 1 };
enum { NVML_VOLATILE_ECC = 0, NVML_AGGREGATE_ECC = 1 };
enum { NVML_FI_DEV_MEMORY_TEMP = 82 };
#define NVML_EVENT_TYPE_XID_CRITICAL_ERROR 0x8ULL
typedef struct {
  char bus_id_legacy[16];
  unsigned int domain, bus, device, pci_device_id, pci_subsystem_id;
  char bus_id[32];
} nvmlPciInfo_t;
typedef struct { unsigned int gpu, memory; } nvmlUtilization_t;
typedef struct { unsigned long long total, free, used; } nvmlMemory_t;
typedef struct {
  unsigned int version;
  unsigned long long total, reserved, free, used;
} nvmlMemory_v2_t;
#define NVML_MEMORY_V2 ((unsigned int)(sizeof(nvmlMemory_v2_t) | (2u << 24)))
typedef union {
  double d;
  unsigned int ui;
  unsigned long ul;
  unsigned long long ull;
  long long sll;
  int si;
  unsigned short us;
} nvmlValue_t;
typedef struct {
  unsigned int field_id, scope_id;
  long long timestamp, latency_usec;
  int value_type;
  nvmlReturn_t nvml_return;
  nvmlValue_t value;
} nvmlFieldValue_t;
typedef struct {
  nvmlDevice_t device;
  unsigned long long event_type, event_data;
  unsigned int gpu_instance_id, compute_instance_id;
} nvmlEventData_t;

#define NVML_FUNCTIONS(X)                                                                        \
  X(nvmlInit_v2, (void))                                                                         \
  X(nvmlSystemGetDriverVersion, (char*, unsigned int))                                           \
  X(nvmlDeviceGetCount_v2, (unsigned int*))                                                      \
  X(nvmlDeviceGetHandleByIndex_v2, (unsigned int, nvmlDevice_t*))                                \
  X(nvmlDeviceGetUUID, (nvmlDevice_t, char*, unsigned int))                                      \
  X(nvmlDeviceGetName, (nvmlDevice_t, char*, unsigned int))                                      \
  X(nvmlDeviceGetPciInfo_v3, (nvmlDevice_t, nvmlPciInfo_t*))                                     \
  X(nvmlDeviceGetTemperature, (nvmlDevice_t, int, unsigned int*))                                \
  X(nvmlDeviceGetFieldValues, (nvmlDevice_t, int, nvmlFieldValue_t*))                            \
  X(nvmlDeviceGetPowerUsage, (nvmlDevice_t, unsigned int*))                                      \
  X(nvmlDeviceGetTotalEnergyConsumption, (nvmlDevice_t, unsigned long long*))                    \
  X(nvmlDeviceGetClockInfo, (nvmlDevice_t, int, unsigned int*))                                  \
  X(nvmlDeviceGetUtilizationRates, (nvmlDevice_t, nvmlUtilization_t*))                           \
  X(nvmlDeviceGetEncoderUtilization, (nvmlDevice_t, unsigned int*, unsigned int*))               \
  X(nvmlDeviceGetDecoderUtilization, (nvmlDevice_t, unsigned int*, unsigned int*))               \
  X(nvmlDeviceGetMemoryInfo, (nvmlDevice_t, nvmlMemory_t*))                                      \
  X(nvmlDeviceGetMemoryInfo_v2, (nvmlDevice_t, nvmlMemory_v2_t*))                                \
  X(nvmlDeviceGetPcieReplayCounter, (nvmlDevice_t, unsigned int*))                               \
  X(nvmlDeviceGetTotalEccErrors, (nvmlDevice_t, int, int, unsigned long long*))                  \
  X(nvmlDeviceGetRemappedRows, (nvmlDevice_t, unsigned int*, unsigned int*, unsigned int*,       \
                                unsigned int*))                                                  \
  X(nvmlDeviceGetCurrentClocksEventReasons, (nvmlDevice_t, unsigned long long*))                 \
  X(nvmlDeviceGetCurrentClocksThrottleReasons, (nvmlDevice_t, unsigned long long*))              \
  X(nvmlDeviceGetMigMode, (nvmlDevice_t, unsigned int*, unsigned int*))                          \
  X(nvmlDeviceGetMaxMigDeviceCount, (nvmlDevice_t, unsigned int*))                               \
  X(nvmlDeviceGetMigDeviceHandleByIndex, (nvmlDevice_t, unsigned int, nvmlDevice_t*))            \
  X(nvmlDeviceGetGpuInstanceId, (nvmlDevice_t, unsigned int*))                                   \
  X(nvmlEventSetCreate, (nvmlEventSet_t*))                                                       \
  X(nvmlDeviceRegisterEvents, (nvmlDevice_t, unsigned long long, nvmlEventSet_t))                \
  X(nvmlEventSetWait_v2, (nvmlEventSet_t, nvmlEventData_t*, unsigned int))

#define DECLARE(name, args) static nvmlReturn_t(*p_##name) args;
NVML_FUNCTIONS(DECLARE)
#undef DECLARE

enum { kMaxGpus = 64 };
static unsigned int gpu_count;
static nvmlDevice_t gpus[kMaxGpus];
// The last XID per GPU, written by the event thread, read by snapshots.
static unsigned long long last_xid[kMaxGpus];
static int xid_watched[kMaxGpus];
static pthread_mutex_t xid_mutex = PTHREAD_MUTEX_INITIALIZER;
// Getters that are slow where every other one answers from NVML's cache in ~1 us:
// on an H100 with GSP firmware (driver 580) nvmlDeviceGetTotalEnergyConsumption took
// ~3 ms of CPU a call, nvmlDeviceGetPcieReplayCounter and nvmlDeviceGetMigMode ~0.2 ms.
// They are re-read at most every kSlowFieldSeconds, dcgm-exporter's default collection
// interval (its values are that old too), and served from here in between.
enum { kSlowFieldSeconds = 30 };
static struct {
  time_t read_at;  // 0: never read, or the GPU was lost while reading
  int have_energy, have_replay, have_mig_mode;
  unsigned long long energy_mj;
  unsigned int replay, mig_mode;
} slow[kMaxGpus];

// ---- output: one buffer per snapshot, written with one write() loop ----
static char out[1 << 16];
static size_t out_len;

static void Emit(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(out + out_len, sizeof out - out_len, fmt, ap);
  va_end(ap);
  if (n > 0 && (size_t)n < sizeof out - out_len) out_len += (size_t)n;
}

static int Flush(void) {
  size_t done = 0;
  while (done < out_len) {
    ssize_t n = write(1, out + done, out_len - done);
    if (n <= 0) return -1;
    done += (size_t)n;
  }
  out_len = 0;
  return 0;
}

// Strings from NVML go on one line: newlines would break the protocol.
static void Sanitize(char* s) {
  for (; *s; ++s)
    if (*s == '\n' || *s == '\r') *s = ' ';
}

static void SleepMs(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

// ---- XID events ----
static void* XidThread(void* arg) {
  nvmlEventSet_t set = (nvmlEventSet_t)arg;
  for (;;) {
    nvmlEventData_t data;
    memset(&data, 0, sizeof data);
    nvmlReturn_t r = p_nvmlEventSetWait_v2(set, &data, 10000);
    if (r == NVML_SUCCESS && (data.event_type & NVML_EVENT_TYPE_XID_CRITICAL_ERROR)) {
      pthread_mutex_lock(&xid_mutex);
      for (unsigned int i = 0; i < gpu_count; ++i)
        if (gpus[i] == data.device) last_xid[i] = data.event_data;
      pthread_mutex_unlock(&xid_mutex);
    } else if (r != NVML_SUCCESS && r != NVML_ERROR_TIMEOUT) {
      SleepMs(1000);  // a broken event set must not spin
    }
  }
  return NULL;
}

static void StartXidThread(void) {
  if (!p_nvmlEventSetCreate || !p_nvmlDeviceRegisterEvents || !p_nvmlEventSetWait_v2) return;
  nvmlEventSet_t set;
  if (p_nvmlEventSetCreate(&set) != NVML_SUCCESS) return;
  int any = 0;
  for (unsigned int i = 0; i < gpu_count; ++i) {
    if (gpus[i] && p_nvmlDeviceRegisterEvents(gpus[i], NVML_EVENT_TYPE_XID_CRITICAL_ERROR, set) == NVML_SUCCESS) {
      xid_watched[i] = 1;
      any = 1;
    }
  }
  pthread_t thread;
  if (any) pthread_create(&thread, NULL, XidThread, set);
}

// ---- one snapshot ----
// Each getter's result is emitted only on success: a field the GPU does not support
// (NVML_ERROR_NOT_SUPPORTED) is left out. A lost GPU stops that GPU's section.
static int lost;
static int Check(nvmlReturn_t r) {
  if (r == NVML_ERROR_GPU_IS_LOST) lost = 1;
  return r == NVML_SUCCESS;
}
#define HAVE(name) (p_##name != NULL)

static void EmitMemory(const char* prefix, nvmlDevice_t dev) {
  nvmlMemory_v2_t m2;
  memset(&m2, 0, sizeof m2);
  m2.version = NVML_MEMORY_V2;
  if (HAVE(nvmlDeviceGetMemoryInfo_v2) && Check(p_nvmlDeviceGetMemoryInfo_v2(dev, &m2))) {
    Emit("%s fb_total %llu\n%s fb_free %llu\n%s fb_used %llu\n%s fb_reserved %llu\n", prefix, m2.total,
         prefix, m2.free, prefix, m2.used, prefix, m2.reserved);
    return;
  }
  nvmlMemory_t m;
  if (!lost && HAVE(nvmlDeviceGetMemoryInfo) && Check(p_nvmlDeviceGetMemoryInfo(dev, &m)))
    Emit("%s fb_total %llu\n%s fb_free %llu\n%s fb_used %llu\n", prefix, m.total, prefix, m.free, prefix,
         m.used);
}

static void EmitGpu(unsigned int i) {
  nvmlDevice_t dev = gpus[i];
  char s[256];
  unsigned int u, u2, u3, u4;
  unsigned long long ull;
  lost = 0;
  Emit("gpu %u\n", i);
  if (!dev) {
    Emit("error %d\n", NVML_ERROR_GPU_IS_LOST);
    return;
  }
  if (HAVE(nvmlDeviceGetUUID) && Check(p_nvmlDeviceGetUUID(dev, s, sizeof s))) Sanitize(s), Emit("uuid %s\n", s);
  if (HAVE(nvmlDeviceGetName) && Check(p_nvmlDeviceGetName(dev, s, sizeof s))) Sanitize(s), Emit("name %s\n", s);
  nvmlPciInfo_t pci;
  memset(&pci, 0, sizeof pci);
  if (HAVE(nvmlDeviceGetPciInfo_v3) && Check(p_nvmlDeviceGetPciInfo_v3(dev, &pci))) {
    pci.bus_id[sizeof pci.bus_id - 1] = 0;
    Sanitize(pci.bus_id);
    Emit("pci %s\n", pci.bus_id);
  }
#define TRY(call, ...) \
  if (!lost && (call) && Check(__VA_ARGS__))
  TRY(HAVE(nvmlDeviceGetTemperature), p_nvmlDeviceGetTemperature(dev, NVML_TEMPERATURE_GPU, &u)) Emit("v temp %u\n", u);
  nvmlFieldValue_t fv;
  memset(&fv, 0, sizeof fv);
  fv.field_id = NVML_FI_DEV_MEMORY_TEMP;
  TRY(HAVE(nvmlDeviceGetFieldValues), p_nvmlDeviceGetFieldValues(dev, 1, &fv)) {
    if (fv.nvml_return == NVML_SUCCESS) {
      switch (fv.value_type) {
        case 0: Emit("v mem_temp %.17g\n", fv.value.d); break;
        case 1: Emit("v mem_temp %u\n", fv.value.ui); break;
        case 2: Emit("v mem_temp %lu\n", fv.value.ul); break;
        case 3: Emit("v mem_temp %llu\n", fv.value.ull); break;
        case 4: Emit("v mem_temp %lld\n", fv.value.sll); break;
        case 5: Emit("v mem_temp %d\n", fv.value.si); break;
        case 6: Emit("v mem_temp %u\n", (unsigned int)fv.value.us); break;
        default: break;
      }
    } else {
      Check(fv.nvml_return);
    }
  }
  TRY(HAVE(nvmlDeviceGetPowerUsage), p_nvmlDeviceGetPowerUsage(dev, &u)) Emit("v power_mw %u\n", u);
  time_t now = time(NULL);
  if (!lost && (slow[i].read_at == 0 || now - slow[i].read_at >= kSlowFieldSeconds || now < slow[i].read_at)) {
    unsigned int pending_mig_mode = 0;
    slow[i].have_energy = HAVE(nvmlDeviceGetTotalEnergyConsumption) &&
                          Check(p_nvmlDeviceGetTotalEnergyConsumption(dev, &slow[i].energy_mj));
    slow[i].have_replay = !lost && HAVE(nvmlDeviceGetPcieReplayCounter) &&
                          Check(p_nvmlDeviceGetPcieReplayCounter(dev, &slow[i].replay));
    slow[i].have_mig_mode = !lost && HAVE(nvmlDeviceGetMigMode) &&
                            Check(p_nvmlDeviceGetMigMode(dev, &slow[i].mig_mode, &pending_mig_mode));
    slow[i].read_at = lost ? 0 : now;
  }
  if (!lost && slow[i].have_energy) Emit("v energy_mj %llu\n", slow[i].energy_mj);
  TRY(HAVE(nvmlDeviceGetClockInfo), p_nvmlDeviceGetClockInfo(dev, NVML_CLOCK_SM, &u)) Emit("v sm_clock %u\n", u);
  TRY(HAVE(nvmlDeviceGetClockInfo), p_nvmlDeviceGetClockInfo(dev, NVML_CLOCK_MEM, &u)) Emit("v mem_clock %u\n", u);
  nvmlUtilization_t util;
  TRY(HAVE(nvmlDeviceGetUtilizationRates), p_nvmlDeviceGetUtilizationRates(dev, &util))
    Emit("v util_gpu %u\nv util_mem %u\n", util.gpu, util.memory);
  TRY(HAVE(nvmlDeviceGetEncoderUtilization), p_nvmlDeviceGetEncoderUtilization(dev, &u, &u2)) Emit("v enc_util %u\n", u);
  TRY(HAVE(nvmlDeviceGetDecoderUtilization), p_nvmlDeviceGetDecoderUtilization(dev, &u, &u2)) Emit("v dec_util %u\n", u);
  if (!lost) EmitMemory("v", dev);
  if (!lost && slow[i].have_replay) Emit("v pcie_replay %u\n", slow[i].replay);
  static const struct { const char* key; int type, counter; } ecc[] = {
      {"ecc_sbe_vol", NVML_MEMORY_ERROR_CORRECTED, NVML_VOLATILE_ECC},
      {"ecc_dbe_vol", NVML_MEMORY_ERROR_UNCORRECTED, NVML_VOLATILE_ECC},
      {"ecc_sbe_agg", NVML_MEMORY_ERROR_CORRECTED, NVML_AGGREGATE_ECC},
      {"ecc_dbe_agg", NVML_MEMORY_ERROR_UNCORRECTED, NVML_AGGREGATE_ECC},
  };
  for (size_t k = 0; k < sizeof ecc / sizeof ecc[0]; ++k)
    TRY(HAVE(nvmlDeviceGetTotalEccErrors), p_nvmlDeviceGetTotalEccErrors(dev, ecc[k].type, ecc[k].counter, &ull))
      Emit("v %s %llu\n", ecc[k].key, ull);
  TRY(HAVE(nvmlDeviceGetRemappedRows), p_nvmlDeviceGetRemappedRows(dev, &u, &u2, &u3, &u4))
    Emit("v remap_correctable %u\nv remap_uncorrectable %u\nv remap_pending %u\nv remap_failure %u\n", u, u2, u3, u4);
  // Renamed in NVML 12.x; the old name is kept by newer libraries too.
  if (HAVE(nvmlDeviceGetCurrentClocksEventReasons)) {
    TRY(1, p_nvmlDeviceGetCurrentClocksEventReasons(dev, &ull)) Emit("v throttle_reasons %llu\n", ull);
  } else {
    TRY(HAVE(nvmlDeviceGetCurrentClocksThrottleReasons), p_nvmlDeviceGetCurrentClocksThrottleReasons(dev, &ull))
      Emit("v throttle_reasons %llu\n", ull);
  }
  if (!lost && xid_watched[i]) {
    pthread_mutex_lock(&xid_mutex);
    ull = last_xid[i];
    pthread_mutex_unlock(&xid_mutex);
    Emit("v xid %llu\n", ull);
  }
  // MIG: one section per GPU instance, with the instance's own memory.
  unsigned int max_mig = 0;
  if (!lost && slow[i].have_mig_mode) {
    if (slow[i].mig_mode == 1 && HAVE(nvmlDeviceGetMaxMigDeviceCount) && HAVE(nvmlDeviceGetMigDeviceHandleByIndex) &&
        HAVE(nvmlDeviceGetGpuInstanceId) && Check(p_nvmlDeviceGetMaxMigDeviceCount(dev, &max_mig))) {
      for (unsigned int m = 0; m < max_mig && !lost; ++m) {
        nvmlDevice_t mig;
        if (!Check(p_nvmlDeviceGetMigDeviceHandleByIndex(dev, m, &mig))) continue;
        if (!Check(p_nvmlDeviceGetGpuInstanceId(mig, &u))) continue;
        // The profile ("1g.10gb") is the tail of the MIG device's name, as nvidia-smi shows it.
        const char* profile = "";
        if (HAVE(nvmlDeviceGetName) && Check(p_nvmlDeviceGetName(mig, s, sizeof s))) {
          Sanitize(s);
          for (const char* p = s; *p; ++p)
            if (strncmp(p, " MIG ", 5) == 0) profile = p + 5;
        }
        Emit("mig %u %s\n", u, profile);
        EmitMemory("mv", mig);
      }
    }
  }
#undef TRY
  if (lost) Emit("error %d\n", NVML_ERROR_GPU_IS_LOST);
}

static void Snapshot(void) {
  char driver[96] = "";
  Emit("status ok\n");
  if (HAVE(nvmlSystemGetDriverVersion) && p_nvmlSystemGetDriverVersion(driver, sizeof driver) == NVML_SUCCESS) {
    Sanitize(driver);
    Emit("driver %s\n", driver);
  }
  for (unsigned int i = 0; i < gpu_count; ++i) EmitGpu(i);
}

// Answers every request with the same one-line status (no library, failed init).
static int ServeStatus(const char* line) {
  char c;
  while (read(0, &c, 1) == 1) {
    Emit("status %s\nend\n", line);
    if (Flush() != 0) return 1;
  }
  return 0;
}

int main(int argc, char** argv) {
  const char* library = argc > 1 ? argv[1] : "libnvidia-ml.so.1";
  void* lib = dlopen(library, RTLD_NOW | RTLD_LOCAL);
  char line[512];
  if (!lib) {
    const char* err = dlerror();
    snprintf(line, sizeof line, "no_library %s", err ? err : library);
    Sanitize(line);
    return ServeStatus(line);
  }
#define RESOLVE(name, args) p_##name = (nvmlReturn_t(*) args)dlsym(lib, #name);
  NVML_FUNCTIONS(RESOLVE)
#undef RESOLVE
  if (!p_nvmlInit_v2 || !p_nvmlDeviceGetCount_v2 || !p_nvmlDeviceGetHandleByIndex_v2)
    return ServeStatus("no_library missing nvmlInit_v2/nvmlDeviceGetCount_v2/nvmlDeviceGetHandleByIndex_v2");
  nvmlReturn_t r = p_nvmlInit_v2();
  if (r != NVML_SUCCESS) {
    snprintf(line, sizeof line, "init_error %d", r);
    return ServeStatus(line);
  }
  if (p_nvmlDeviceGetCount_v2(&gpu_count) != NVML_SUCCESS) gpu_count = 0;
  if (gpu_count > kMaxGpus) gpu_count = kMaxGpus;
  for (unsigned int i = 0; i < gpu_count; ++i)
    if (p_nvmlDeviceGetHandleByIndex_v2(i, &gpus[i]) != NVML_SUCCESS) gpus[i] = NULL;
  StartXidThread();
  char c;
  while (read(0, &c, 1) == 1) {
    Snapshot();
    Emit("end\n");
    if (Flush() != 0) return 1;
  }
  return 0;
}

// Our own entry point, calling the baseline-versioned __libc_start_main (init and fini
// NULL: glibc >= 2.34 then runs the ELF constructors itself; there are none here).
int __libc_start_main(int (*)(int, char**, char**), int, char**, void (*)(void), void (*)(void),
                      void (*)(void), void*);
#if defined(__x86_64__)
__asm__(
    ".text\n.globl _start\n.type _start,@function\n_start:\n"
    "  xor %ebp, %ebp\n"
    "  mov %rdx, %r9\n"  // rtld_fini
    "  pop %rsi\n"       // argc
    "  mov %rsp, %rdx\n" // argv
    "  and $-16, %rsp\n"
    "  push %rax\n"
    "  push %rsp\n"      // stack_end
    "  xor %r8d, %r8d\n"
    "  xor %ecx, %ecx\n"
    "  mov main@GOTPCREL(%rip), %rdi\n"
    "  call *__libc_start_main@GOTPCREL(%rip)\n"
    "  hlt\n");
#elif defined(__aarch64__)
__asm__(
    ".text\n.globl _start\n.type _start,%function\n_start:\n"
    "  mov x29, #0\n"
    "  mov x30, #0\n"
    "  mov x5, x0\n"       // rtld_fini
    "  ldr x1, [sp]\n"     // argc
    "  add x2, sp, #8\n"   // argv
    "  mov x6, sp\n"       // stack_end
    "  mov x3, #0\n"
    "  mov x4, #0\n"
    "  adrp x0, :got:main\n"
    "  ldr x0, [x0, #:got_lo12:main]\n"
    "  bl __libc_start_main\n"
    "  brk #0\n");
#endif
