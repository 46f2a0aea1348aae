// A fake libnvidia-ml.so.1 for the nvidia collector's tests: the NVML functions
// node-agent-nvml uses, answering from a config file named by $FAKE_NVML_CONFIG,
// read at nvmlInit_v2. One "KEY VALUE" per line:
//   init_error N        nvmlInit_v2 returns N
//   driver STRING       nvmlSystemGetDriverVersion
//   gpu                 starts the next GPU; the keys below belong to it
//   uuid|name|pci STRING
//   lost 1              every call on this GPU returns NVML_ERROR_GPU_IS_LOST
//   hang_ms N           nvmlDeviceGetTemperature sleeps N ms first
//   xid N               delivered once by nvmlEventSetWait_v2
//   mig ID FB_USED FB_TOTAL PROFILE   a MIG GPU instance (turns MIG mode on)
//   any other KEY N     a numeric field (temp, mem_temp, power_mw, energy_mj, sm_clock,
//                       mem_clock, util_gpu, util_mem, enc_util, dec_util, fb_total,
//                       fb_free, fb_used, fb_reserved, pcie_replay, ecc_sbe_vol, ecc_dbe_vol,
//                       ecc_sbe_agg, ecc_dbe_agg, remap_correctable, remap_uncorrectable,
//                       remap_pending, remap_failure, throttle_reasons)
//   energy_step N       each nvmlDeviceGetTotalEnergyConsumption call adds N to energy_mj
//                       afterwards, so tests can tell a fresh read from a cached one
// A numeric field left out is NVML_ERROR_NOT_SUPPORTED.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { OK = 0, NOT_SUPPORTED = 3, INVALID_ARGUMENT = 2, TIMEOUT = 10, GPU_IS_LOST = 15 };
enum { kMaxGpus = 8, kMaxFields = 40, kMaxMig = 7 };

struct mig {
  int tag;  // 'M': tells a MIG handle from a GPU handle
  unsigned int id;
  unsigned long long fb_used, fb_total;
  char profile[32];
  struct gpu* parent;
};
struct gpu {
  int tag;  // 'G'
  char uuid[80], name[96], pci[32];
  int lost;
  long hang_ms;
  unsigned long long xid;
  int xid_pending, registered;
  int nfields;
  struct { char key[32]; unsigned long long value; } fields[kMaxFields];
  int nmig;
  struct mig migs[kMaxMig];
};

static struct gpu gpus[kMaxGpus];
static int ngpus;
static int init_error;
static char driver[64] = "580.159.04";
static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;

static void Load(void) {
  const char* path = getenv("FAKE_NVML_CONFIG");
  FILE* f = path ? fopen(path, "r") : NULL;
  if (!f) return;
  char line[256];
  struct gpu* g = NULL;
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = 0;
    char* value = strchr(line, ' ');
    if (value) *value++ = 0;
    else value = line + strlen(line);
    if (strcmp(line, "init_error") == 0) {
      init_error = atoi(value);
    } else if (strcmp(line, "driver") == 0) {
      snprintf(driver, sizeof driver, "%s", value);
    } else if (strcmp(line, "gpu") == 0 && ngpus < kMaxGpus) {
      g = &gpus[ngpus++];
      g->tag = 'G';
    } else if (!g) {
      continue;
    } else if (strcmp(line, "uuid") == 0) {
      snprintf(g->uuid, sizeof g->uuid, "%s", value);
    } else if (strcmp(line, "name") == 0) {
      snprintf(g->name, sizeof g->name, "%s", value);
    } else if (strcmp(line, "pci") == 0) {
      snprintf(g->pci, sizeof g->pci, "%s", value);
    } else if (strcmp(line, "lost") == 0) {
      g->lost = atoi(value);
    } else if (strcmp(line, "hang_ms") == 0) {
      g->hang_ms = atol(value);
    } else if (strcmp(line, "xid") == 0) {
      g->xid = strtoull(value, NULL, 10);
      g->xid_pending = 1;
    } else if (strcmp(line, "mig") == 0 && g->nmig < kMaxMig) {
      struct mig* m = &g->migs[g->nmig++];
      m->tag = 'M';
      m->parent = g;
      sscanf(value, "%u %llu %llu %31s", &m->id, &m->fb_used, &m->fb_total, m->profile);
    } else if (g->nfields < kMaxFields) {
      snprintf(g->fields[g->nfields].key, sizeof g->fields[0].key, "%.31s", line);
      g->fields[g->nfields++].value = strtoull(value, NULL, 10);
    }
  }
  fclose(f);
}

static int Field(struct gpu* g, const char* key, unsigned long long* out) {
  if (g->lost) return GPU_IS_LOST;
  for (int i = 0; i < g->nfields; ++i) {
    if (strcmp(g->fields[i].key, key) == 0) {
      *out = g->fields[i].value;
      return OK;
    }
  }
  return NOT_SUPPORTED;
}

static int FieldU(struct gpu* g, const char* key, unsigned int* out) {
  unsigned long long v = 0;
  int r = Field(g, key, &v);
  if (r == OK) *out = (unsigned int)v;
  return r;
}

static void SleepMs(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

int nvmlInit_v2(void) {
  Load();
  return init_error;
}
int nvmlShutdown(void) { return OK; }
int nvmlSystemGetDriverVersion(char* out, unsigned int n) {
  snprintf(out, n, "%s", driver);
  return OK;
}
int nvmlDeviceGetCount_v2(unsigned int* n) {
  *n = (unsigned int)ngpus;
  return OK;
}
int nvmlDeviceGetHandleByIndex_v2(unsigned int i, struct gpu** out) {
  if (i >= (unsigned int)ngpus) return INVALID_ARGUMENT;
  *out = &gpus[i];
  return OK;
}

static int Text(struct gpu* g, const char* s, char* out, unsigned int n) {
  if (g->lost) return GPU_IS_LOST;
  snprintf(out, n, "%s", s);
  return OK;
}
int nvmlDeviceGetUUID(struct gpu* g, char* out, unsigned int n) { return Text(g, g->uuid, out, n); }
int nvmlDeviceGetName(void* handle, char* out, unsigned int n) {
  struct mig* m = handle;
  if (m->tag == 'M') {
    snprintf(out, n, "%s MIG %s", m->parent->name, m->profile);
    return OK;
  }
  struct gpu* g = handle;
  return Text(g, g->name, out, n);
}

struct pci_info {
  char bus_id_legacy[16];
  unsigned int domain, bus, device, pci_device_id, pci_subsystem_id;
  char bus_id[32];
};
int nvmlDeviceGetPciInfo_v3(struct gpu* g, struct pci_info* p) {
  memset(p, 0, sizeof *p);
  return Text(g, g->pci, p->bus_id, sizeof p->bus_id);
}

int nvmlDeviceGetTemperature(struct gpu* g, int sensor, unsigned int* t) {
  if (sensor != 0) return INVALID_ARGUMENT;
  if (g->hang_ms) SleepMs(g->hang_ms);
  return FieldU(g, "temp", t);
}

struct field_value {
  unsigned int field_id, scope_id;
  long long timestamp, latency_usec;
  int value_type;
  int nvml_return;
  union { double d; unsigned int ui; unsigned long long ull; } value;
};
int nvmlDeviceGetFieldValues(struct gpu* g, int count, struct field_value* v) {
  if (g->lost) return GPU_IS_LOST;
  for (int i = 0; i < count; ++i) {
    v[i].value_type = 1;  // unsigned int, as the H100 answered for field 82
    v[i].nvml_return = v[i].field_id == 82 ? FieldU(g, "mem_temp", &v[i].value.ui) : NOT_SUPPORTED;
  }
  return OK;
}

int nvmlDeviceGetPowerUsage(struct gpu* g, unsigned int* mw) { return FieldU(g, "power_mw", mw); }
int nvmlDeviceGetTotalEnergyConsumption(struct gpu* g, unsigned long long* mj) {
  int r = Field(g, "energy_mj", mj);
  unsigned long long step = 0;
  if (r == OK && Field(g, "energy_step", &step) == OK) {
    for (int i = 0; i < g->nfields; ++i)
      if (strcmp(g->fields[i].key, "energy_mj") == 0) g->fields[i].value += step;
  }
  return r;
}
int nvmlDeviceGetClockInfo(struct gpu* g, int type, unsigned int* mhz) {
  return FieldU(g, type == 1 ? "sm_clock" : type == 2 ? "mem_clock" : "graphics_clock", mhz);
}
int nvmlDeviceGetUtilizationRates(struct gpu* g, unsigned int* u) {
  int r = FieldU(g, "util_gpu", &u[0]);
  return r == OK ? FieldU(g, "util_mem", &u[1]) : r;
}
int nvmlDeviceGetEncoderUtilization(struct gpu* g, unsigned int* u, unsigned int* period) {
  *period = 1000000;
  return FieldU(g, "enc_util", u);
}
int nvmlDeviceGetDecoderUtilization(struct gpu* g, unsigned int* u, unsigned int* period) {
  *period = 1000000;
  return FieldU(g, "dec_util", u);
}

struct memory_v2 {
  unsigned int version;
  unsigned long long total, reserved, free, used;
};
int nvmlDeviceGetMemoryInfo_v2(void* handle, struct memory_v2* m) {
  if ((m->version >> 24) != 2) return 25;  // NVML_ERROR_ARGUMENT_VERSION_MISMATCH
  struct mig* mig = handle;
  if (mig->tag == 'M') {
    m->total = mig->fb_total;
    m->used = mig->fb_used;
    m->free = mig->fb_total - mig->fb_used;
    m->reserved = 0;
    return OK;
  }
  struct gpu* g = handle;
  int r = Field(g, "fb_total", &m->total);
  if (r != OK) return r;
  Field(g, "fb_free", &m->free);
  Field(g, "fb_used", &m->used);
  Field(g, "fb_reserved", &m->reserved);
  return OK;
}

int nvmlDeviceGetPcieReplayCounter(struct gpu* g, unsigned int* v) { return FieldU(g, "pcie_replay", v); }
int nvmlDeviceGetTotalEccErrors(struct gpu* g, int type, int counter, unsigned long long* v) {
  static const char* keys[2][2] = {{"ecc_sbe_vol", "ecc_sbe_agg"}, {"ecc_dbe_vol", "ecc_dbe_agg"}};
  if (type < 0 || type > 1 || counter < 0 || counter > 1) return INVALID_ARGUMENT;
  return Field(g, keys[type][counter], v);
}
int nvmlDeviceGetRemappedRows(struct gpu* g, unsigned int* corr, unsigned int* unc, unsigned int* pending,
                              unsigned int* failed) {
  int r = FieldU(g, "remap_correctable", corr);
  if (r != OK) return r;
  FieldU(g, "remap_uncorrectable", unc);
  FieldU(g, "remap_pending", pending);
  FieldU(g, "remap_failure", failed);
  return OK;
}
int nvmlDeviceGetCurrentClocksEventReasons(struct gpu* g, unsigned long long* v) {
  return Field(g, "throttle_reasons", v);
}

int nvmlDeviceGetMigMode(struct gpu* g, unsigned int* current, unsigned int* pending) {
  if (g->lost) return GPU_IS_LOST;
  *current = *pending = g->nmig > 0;
  return OK;
}
int nvmlDeviceGetMaxMigDeviceCount(struct gpu* g, unsigned int* n) {
  *n = kMaxMig;
  return g->lost ? GPU_IS_LOST : OK;
}
int nvmlDeviceGetMigDeviceHandleByIndex(struct gpu* g, unsigned int i, struct mig** out) {
  if (i >= (unsigned int)g->nmig) return 6;  // NVML_ERROR_NOT_FOUND
  *out = &g->migs[i];
  return OK;
}
int nvmlDeviceGetGpuInstanceId(struct mig* m, unsigned int* id) {
  if (m->tag != 'M') return NOT_SUPPORTED;
  *id = m->id;
  return OK;
}

struct event_data {
  struct gpu* device;
  unsigned long long event_type, event_data;
  unsigned int gpu_instance_id, compute_instance_id;
};
static int event_set;
int nvmlEventSetCreate(int** set) {
  *set = &event_set;
  return OK;
}
int nvmlDeviceRegisterEvents(struct gpu* g, unsigned long long types, int* set) {
  (void)set;
  if (g->lost) return GPU_IS_LOST;
  g->registered = (types & 0x8) != 0;
  return OK;
}
int nvmlEventSetWait_v2(int* set, struct event_data* d, unsigned int timeout_ms) {
  (void)set;
  pthread_mutex_lock(&mutex);
  for (int i = 0; i < ngpus; ++i) {
    if (gpus[i].registered && gpus[i].xid_pending) {
      gpus[i].xid_pending = 0;
      d->device = &gpus[i];
      d->event_type = 0x8;
      d->event_data = gpus[i].xid;
      pthread_mutex_unlock(&mutex);
      return OK;
    }
  }
  pthread_mutex_unlock(&mutex);
  SleepMs(timeout_ms < 200 ? timeout_ms : 200);
  return TIMEOUT;
}
