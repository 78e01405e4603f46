// File: tests/testing/temp_lock_dir.h
//
// TempLockDir is a fresh directory under /tmp (reachable by every user, so
// that a test can hand it to another one, see other_user.h) that is removed
// with everything in it when the object goes. Mode 01777 unless told.
//
// Example:
//
//   TempLockDir dir;
//   PortClaimer claimer(System::Real(), ClaimMechanism::kLockFile, dir.path());
//
// Thread-compatible.

#ifndef GTEST_PORT_TESTS_TESTING_TEMP_LOCK_DIR_H_
#define GTEST_PORT_TESTS_TESTING_TEMP_LOCK_DIR_H_

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace gtest_port_testing {

class TempLockDir {
 public:
  explicit TempLockDir(mode_t mode = 01777) {
    char tmpl[] = "/tmp/gtest_port_test_locks_XXXXXX";
    if (::mkdtemp(tmpl) != nullptr) {
      path_ = tmpl;
      ::chmod(path_.c_str(), mode);
    }
  }
  ~TempLockDir() {
    if (path_.empty()) return;
    // Flat: lock files, links, FIFOs the test made; one level of
    // subdirectories at most.
    RemoveTree(path_);
  }
  TempLockDir(const TempLockDir&) = delete;
  TempLockDir& operator=(const TempLockDir&) = delete;

  // "" when it could not be made.
  const std::string& path() const { return path_; }

 private:
  static void RemoveTree(const std::string& dir) {
    std::vector<std::string> names;
    if (DIR* d = ::opendir(dir.c_str())) {
      while (const dirent* e = ::readdir(d)) {
        const std::string name = e->d_name;
        if (name != "." && name != "..") names.push_back(dir + "/" + name);
      }
      ::closedir(d);
    }
    for (const std::string& name : names) {
      struct stat st;
      if (::lstat(name.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
        RemoveTree(name);
      } else {
        ::unlink(name.c_str());
      }
    }
    ::rmdir(dir.c_str());
  }

  std::string path_;
};

}  // namespace gtest_port_testing

#endif  // GTEST_PORT_TESTS_TESTING_TEMP_LOCK_DIR_H_
