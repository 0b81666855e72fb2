#include "engine/torch_pickle.h"

#include <cstring>
#include <unordered_map>
#include <utility>

namespace textembed::engine {

size_t TorchDTypeSize(TorchDType dtype) {
  switch (dtype) {
    case TorchDType::kFloat64: case TorchDType::kInt64: return 8;
    case TorchDType::kFloat32: case TorchDType::kInt32: return 4;
    case TorchDType::kFloat16: case TorchDType::kBFloat16: case TorchDType::kInt16: return 2;
    case TorchDType::kInt8: case TorchDType::kUInt8: case TorchDType::kBool: return 1;
  }
  return 1;
}

const char* TorchDTypeName(TorchDType dtype) {
  switch (dtype) {
    case TorchDType::kFloat32: return "float32";
    case TorchDType::kFloat16: return "float16";
    case TorchDType::kBFloat16: return "bfloat16";
    case TorchDType::kFloat64: return "float64";
    case TorchDType::kInt64: return "int64";
    case TorchDType::kInt32: return "int32";
    case TorchDType::kInt16: return "int16";
    case TorchDType::kInt8: return "int8";
    case TorchDType::kUInt8: return "uint8";
    case TorchDType::kBool: return "bool";
  }
  return "?";
}

bool IsFloatingPoint(TorchDType dtype) {
  return dtype == TorchDType::kFloat32 || dtype == TorchDType::kFloat16 || dtype == TorchDType::kBFloat16 ||
         dtype == TorchDType::kFloat64;
}

namespace {

// The callables a state_dict pickle may name; evaluated here, never looked up.
enum class Callable { kRebuildTensorV2, kRebuildParameter, kRebuildParameterWithState, kOrderedDict };

enum class Kind : uint8_t { kNone, kBool, kInt, kFloat, kString, kTuple, kList, kDict, kCallable, kStorageType,
                            kStorage, kTensor };

// Composite values live in the machine's arenas and are referenced by index,
// so aliasing (memo) works as in Python and cycles cannot leak memory.
struct Value {
  Kind kind = Kind::kNone;
  int64_t i = 0;    // kInt, kBool; Callable or TorchDType for kCallable/kStorageType
  double f = 0;     // kFloat
  uint32_t ref = 0; // index into the arena of its kind
};

struct Storage {
  std::string key;
  TorchDType dtype;
  int64_t numel;
};

struct Tensor {
  uint32_t storage;
  int64_t offset;
  std::vector<int64_t> shape, stride;
};

constexpr int kMaxDims = 64;

std::string Printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 120)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

class Machine {
 public:
  Machine(std::span<const std::byte> bytes, const std::string& where) : in_(bytes), where_(where) {}

  Result<std::vector<PickledTensor>> Run() {
    while (true) {
      if (pos_ >= in_.size()) return Corrupt("ends without a STOP opcode (truncated?)");
      const size_t at = pos_;
      const uint8_t op = Byte();
      if (op == '.') break;
      if (Status s = Step(op, at); !s.ok()) return s;
    }
    if (stack_.empty()) return Corrupt("STOP with an empty stack");
    return Collect(stack_.back());
  }

 private:
  Status Corrupt(const std::string& what) const {
    return Status::Corruption(where_ + ": data.pkl: " + what);
  }
  Status Refuse(const std::string& what) const {
    return Status::Unimplemented(where_ + ": data.pkl: " + what +
                                 "; a state_dict needs only tensors, storages and OrderedDict, refusing to load");
  }

  // Copies of values already built (memo lets a few bytes repeat a large
  // one) are charged against a budget proportional to the input, so a small
  // pickle cannot make quadratic work or memory.
  Status Spend(size_t n) {
    if (n > budget_) return Corrupt("too much repeated work for its size (not a state_dict)");
    budget_ -= n;
    return Status::Ok();
  }

  uint8_t Byte() { return uint8_t(in_[pos_++]); }
  bool Has(uint64_t n) const { return n <= in_.size() - pos_; }
  uint64_t Le(int n) {
    uint64_t v = 0;
    for (int b = n - 1; b >= 0; --b) v = (v << 8) | uint8_t(in_[pos_ + b]);
    pos_ += n;
    return v;
  }

  Value MakeInt(int64_t v) { return Value{Kind::kInt, v, 0, 0}; }
  Value MakeString(std::string s) {
    strings_.push_back(std::move(s));
    return Value{Kind::kString, 0, 0, uint32_t(strings_.size() - 1)};
  }
  Value MakeSeq(Kind kind, std::vector<Value> items) {
    seqs_.push_back(std::move(items));
    return Value{kind, 0, 0, uint32_t(seqs_.size() - 1)};
  }
  Value MakeDict() {
    dicts_.emplace_back();
    return Value{Kind::kDict, 0, 0, uint32_t(dicts_.size() - 1)};
  }

  Result<Value> Pop() {
    if (stack_.size() <= (marks_.empty() ? 0 : marks_.back())) return Corrupt("stack underflow");
    Value v = stack_.back();
    stack_.pop_back();
    return v;
  }
  Result<std::vector<Value>> PopToMark() {
    if (marks_.empty()) return Corrupt("no MARK to pop to");
    std::vector<Value> items(stack_.begin() + marks_.back(), stack_.end());
    stack_.resize(marks_.back());
    marks_.pop_back();
    return items;
  }
  Result<Value*> Top() {
    if (stack_.size() <= (marks_.empty() ? 0 : marks_.back())) return Corrupt("stack underflow");
    return &stack_.back();
  }

  Status ReadString(uint64_t len) {
    if (!Has(len)) return Corrupt("string runs past the end");
    stack_.push_back(MakeString(std::string(reinterpret_cast<const char*>(in_.data() + pos_), len)));
    pos_ += len;
    return Status::Ok();
  }

  Status Global(const std::string& module, const std::string& name) {
    static constexpr std::pair<const char*, TorchDType> kStorages[] = {
        {"FloatStorage", TorchDType::kFloat32}, {"HalfStorage", TorchDType::kFloat16},
        {"BFloat16Storage", TorchDType::kBFloat16}, {"DoubleStorage", TorchDType::kFloat64},
        {"LongStorage", TorchDType::kInt64}, {"IntStorage", TorchDType::kInt32},
        {"ShortStorage", TorchDType::kInt16}, {"CharStorage", TorchDType::kInt8},
        {"ByteStorage", TorchDType::kUInt8}, {"BoolStorage", TorchDType::kBool}};
    if (module == "torch") {
      for (const auto& [storage, dtype] : kStorages) {
        if (name == storage) {
          stack_.push_back(Value{Kind::kStorageType, int64_t(dtype), 0, 0});
          return Status::Ok();
        }
      }
    }
    Callable callable;
    if (module == "torch._utils" && name == "_rebuild_tensor_v2") {
      callable = Callable::kRebuildTensorV2;
    } else if (module == "torch._utils" && name == "_rebuild_parameter") {
      callable = Callable::kRebuildParameter;
    } else if (module == "torch._utils" && name == "_rebuild_parameter_with_state") {
      callable = Callable::kRebuildParameterWithState;
    } else if (module == "collections" && name == "OrderedDict") {
      callable = Callable::kOrderedDict;
    } else {
      return Refuse("global '" + Printable(module) + "." + Printable(name) + "' is not allowed");
    }
    stack_.push_back(Value{Kind::kCallable, int64_t(callable), 0, 0});
    return Status::Ok();
  }

  Result<std::vector<int64_t>> IntTuple(const Value& v, const char* what) {
    if (v.kind != Kind::kTuple) return Corrupt(std::string(what) + " is not a tuple");
    if (seqs_[v.ref].size() > kMaxDims) return Corrupt(std::string(what) + " has too many dimensions");
    std::vector<int64_t> out;
    for (const Value& e : seqs_[v.ref]) {
      if (e.kind != Kind::kInt || e.i < 0) return Corrupt(std::string(what) + " has an entry that is not a size");
      out.push_back(e.i);
    }
    return out;
  }

  Status Reduce() {
    TEXTEMBED_ASSIGN_OR_RETURN(Value args, Pop());
    TEXTEMBED_ASSIGN_OR_RETURN(Value fn, Pop());
    if (fn.kind != Kind::kCallable) return Refuse("REDUCE applied to something that is not an allowed callable");
    if (args.kind != Kind::kTuple) return Corrupt("REDUCE arguments are not a tuple");
    TEXTEMBED_RETURN_IF_ERROR(Spend(seqs_[args.ref].size()));
    const std::vector<Value> a = seqs_[args.ref];
    switch (Callable(fn.i)) {
      case Callable::kOrderedDict: {
        Value dict = MakeDict();
        if (a.size() == 1 && (a[0].kind == Kind::kList || a[0].kind == Kind::kTuple)) {
          TEXTEMBED_RETURN_IF_ERROR(Spend(seqs_[a[0].ref].size()));
          for (const Value& pair : std::vector<Value>(seqs_[a[0].ref])) {
            if ((pair.kind != Kind::kTuple && pair.kind != Kind::kList) || seqs_[pair.ref].size() != 2)
              return Corrupt("OrderedDict item is not a pair");
            dicts_[dict.ref].emplace_back(seqs_[pair.ref][0], seqs_[pair.ref][1]);
          }
        } else if (!a.empty()) {
          return Corrupt("OrderedDict called with unexpected arguments");
        }
        stack_.push_back(dict);
        return Status::Ok();
      }
      case Callable::kRebuildTensorV2: {
        if (a.size() != 6 && a.size() != 7) return Corrupt("_rebuild_tensor_v2 takes 6 or 7 arguments");
        if (a[0].kind != Kind::kStorage) return Corrupt("_rebuild_tensor_v2: first argument is not a storage");
        if (a[1].kind != Kind::kInt || a[1].i < 0) return Corrupt("_rebuild_tensor_v2: bad storage offset");
        Tensor t;
        t.storage = a[0].ref;
        t.offset = a[1].i;
        TEXTEMBED_ASSIGN_OR_RETURN(t.shape, IntTuple(a[2], "tensor size"));
        TEXTEMBED_ASSIGN_OR_RETURN(t.stride, IntTuple(a[3], "tensor stride"));
        if (t.shape.size() != t.stride.size()) return Corrupt("tensor size and stride differ in length");
        tensors_.push_back(std::move(t));
        stack_.push_back(Value{Kind::kTensor, 0, 0, uint32_t(tensors_.size() - 1)});
        return Status::Ok();
      }
      case Callable::kRebuildParameter:
      case Callable::kRebuildParameterWithState: {
        const size_t want = Callable(fn.i) == Callable::kRebuildParameter ? 3 : 4;
        if (a.size() != want || a[0].kind != Kind::kTensor) return Corrupt("_rebuild_parameter: bad arguments");
        stack_.push_back(a[0]);
        return Status::Ok();
      }
    }
    return Corrupt("unknown callable");
  }

  Status PersistentLoad() {
    TEXTEMBED_ASSIGN_OR_RETURN(Value pid, Pop());
    if (pid.kind != Kind::kTuple || seqs_[pid.ref].size() != 5) return Corrupt("persistent id is not a 5-tuple");
    const std::vector<Value>& p = seqs_[pid.ref];
    if (p[0].kind != Kind::kString || strings_[p[0].ref] != "storage")
      return Corrupt("persistent id does not name a storage");
    if (p[1].kind != Kind::kStorageType) return Refuse("persistent id names a storage type outside the allow-list");
    if (p[2].kind != Kind::kString || p[4].kind != Kind::kInt || p[4].i < 0)
      return Corrupt("persistent id has a bad storage key or size");
    storages_.push_back(Storage{strings_[p[2].ref], TorchDType(p[1].i), p[4].i});
    stack_.push_back(Value{Kind::kStorage, 0, 0, uint32_t(storages_.size() - 1)});
    return Status::Ok();
  }

  Status Step(uint8_t op, size_t at) {
    switch (op) {
      case 0x80:  // PROTO
        if (!Has(1)) return Corrupt("truncated PROTO");
        if (Byte() > 5) return Refuse("pickle protocol above 5");
        return Status::Ok();
      case 0x95:  // FRAME: a length hint only
        if (!Has(8)) return Corrupt("truncated FRAME");
        pos_ += 8;
        return Status::Ok();
      case '(': marks_.push_back(stack_.size()); return Status::Ok();
      case ')': stack_.push_back(MakeSeq(Kind::kTuple, {})); return Status::Ok();
      case ']': stack_.push_back(MakeSeq(Kind::kList, {})); return Status::Ok();
      case '}': stack_.push_back(MakeDict()); return Status::Ok();
      case 'N': stack_.push_back(Value{}); return Status::Ok();
      case 0x88: stack_.push_back(Value{Kind::kBool, 1, 0, 0}); return Status::Ok();
      case 0x89: stack_.push_back(Value{Kind::kBool, 0, 0, 0}); return Status::Ok();
      case 'K':
        if (!Has(1)) return Corrupt("truncated BININT1");
        stack_.push_back(MakeInt(Byte()));
        return Status::Ok();
      case 'M':
        if (!Has(2)) return Corrupt("truncated BININT2");
        stack_.push_back(MakeInt(int64_t(Le(2))));
        return Status::Ok();
      case 'J':
        if (!Has(4)) return Corrupt("truncated BININT");
        stack_.push_back(MakeInt(int32_t(uint32_t(Le(4)))));
        return Status::Ok();
      case 0x8a: {  // LONG1: n-byte two's complement
        if (!Has(1)) return Corrupt("truncated LONG1");
        const int n = Byte();
        if (n > 8) return Refuse("integer wider than 64 bits");
        if (!Has(n)) return Corrupt("truncated LONG1");
        uint64_t v = n ? Le(n) : 0;
        if (n > 0 && n < 8 && (v >> (8 * n - 1)) & 1) v |= ~uint64_t{0} << (8 * n);  // sign-extend
        stack_.push_back(MakeInt(int64_t(v)));
        return Status::Ok();
      }
      case 'G': {  // BINFLOAT, big-endian double
        if (!Has(8)) return Corrupt("truncated BINFLOAT");
        uint64_t bits = 0;
        for (int b = 0; b < 8; ++b) bits = (bits << 8) | Byte();
        double d;
        std::memcpy(&d, &bits, 8);
        stack_.push_back(Value{Kind::kFloat, 0, d, 0});
        return Status::Ok();
      }
      case 'X':  // BINUNICODE
      case 'T':  // BINSTRING
        if (!Has(4)) return Corrupt("truncated string length");
        return ReadString(Le(4));
      case 0x8c:  // SHORT_BINUNICODE
      case 'U':   // SHORT_BINSTRING
        if (!Has(1)) return Corrupt("truncated string length");
        return ReadString(Byte());
      case 0x8d:  // BINUNICODE8
        if (!Has(8)) return Corrupt("truncated string length");
        return ReadString(Le(8));
      case 'c': {  // GLOBAL "module\nname\n"
        std::string parts[2];
        for (std::string& part : parts) {
          const void* nl = std::memchr(in_.data() + pos_, '\n', in_.size() - pos_);
          if (nl == nullptr) return Corrupt("truncated GLOBAL");
          const size_t len = static_cast<const std::byte*>(nl) - (in_.data() + pos_);
          part.assign(reinterpret_cast<const char*>(in_.data() + pos_), len);
          pos_ += len + 1;
        }
        return Global(parts[0], parts[1]);
      }
      case 0x93: {  // STACK_GLOBAL
        TEXTEMBED_ASSIGN_OR_RETURN(Value name, Pop());
        TEXTEMBED_ASSIGN_OR_RETURN(Value module, Pop());
        if (name.kind != Kind::kString || module.kind != Kind::kString)
          return Corrupt("STACK_GLOBAL needs two strings");
        return Global(strings_[module.ref], strings_[name.ref]);
      }
      case 't': {
        TEXTEMBED_ASSIGN_OR_RETURN(std::vector<Value> items, PopToMark());
        stack_.push_back(MakeSeq(Kind::kTuple, std::move(items)));
        return Status::Ok();
      }
      case 'l': {
        TEXTEMBED_ASSIGN_OR_RETURN(std::vector<Value> items, PopToMark());
        stack_.push_back(MakeSeq(Kind::kList, std::move(items)));
        return Status::Ok();
      }
      case 0x85: case 0x86: case 0x87: {  // TUPLE1..3
        std::vector<Value> items(op - 0x84);
        for (size_t k = items.size(); k-- > 0;) {
          TEXTEMBED_ASSIGN_OR_RETURN(items[k], Pop());
        }
        stack_.push_back(MakeSeq(Kind::kTuple, std::move(items)));
        return Status::Ok();
      }
      case 'd': {
        TEXTEMBED_ASSIGN_OR_RETURN(std::vector<Value> items, PopToMark());
        if (items.size() % 2) return Corrupt("DICT with an odd number of items");
        Value dict = MakeDict();
        for (size_t k = 0; k < items.size(); k += 2) dicts_[dict.ref].emplace_back(items[k], items[k + 1]);
        stack_.push_back(dict);
        return Status::Ok();
      }
      case 's': {
        TEXTEMBED_ASSIGN_OR_RETURN(Value value, Pop());
        TEXTEMBED_ASSIGN_OR_RETURN(Value key, Pop());
        TEXTEMBED_ASSIGN_OR_RETURN(Value* dict, Top());
        if (dict->kind != Kind::kDict) return Corrupt("SETITEM on something that is not a dict");
        dicts_[dict->ref].emplace_back(key, value);
        return Status::Ok();
      }
      case 'u': {
        TEXTEMBED_ASSIGN_OR_RETURN(std::vector<Value> items, PopToMark());
        TEXTEMBED_ASSIGN_OR_RETURN(Value* dict, Top());
        if (dict->kind != Kind::kDict || items.size() % 2) return Corrupt("bad SETITEMS");
        for (size_t k = 0; k < items.size(); k += 2) dicts_[dict->ref].emplace_back(items[k], items[k + 1]);
        return Status::Ok();
      }
      case 'a': {
        TEXTEMBED_ASSIGN_OR_RETURN(Value item, Pop());
        TEXTEMBED_ASSIGN_OR_RETURN(Value* list, Top());
        if (list->kind != Kind::kList) return Corrupt("APPEND on something that is not a list");
        seqs_[list->ref].push_back(item);
        return Status::Ok();
      }
      case 'e': {
        TEXTEMBED_ASSIGN_OR_RETURN(std::vector<Value> items, PopToMark());
        TEXTEMBED_ASSIGN_OR_RETURN(Value* list, Top());
        if (list->kind != Kind::kList) return Corrupt("APPENDS on something that is not a list");
        seqs_[list->ref].insert(seqs_[list->ref].end(), items.begin(), items.end());
        return Status::Ok();
      }
      case 'b': {  // BUILD: the only state a state_dict carries is OrderedDict's _metadata
        TEXTEMBED_ASSIGN_OR_RETURN(Value state, Pop());
        TEXTEMBED_ASSIGN_OR_RETURN(Value* target, Top());
        if (target->kind != Kind::kDict) return Refuse("BUILD on something other than an OrderedDict");
        (void)state;
        return Status::Ok();
      }
      case 'R': return Reduce();
      case 'Q': return PersistentLoad();
      case 'q':
        if (!Has(1)) return Corrupt("truncated BINPUT");
        return Put(Byte());
      case 'r':
        if (!Has(4)) return Corrupt("truncated LONG_BINPUT");
        return Put(uint32_t(Le(4)));
      case 0x94: return Put(uint32_t(memo_.size()));  // MEMOIZE
      case 'h':
        if (!Has(1)) return Corrupt("truncated BINGET");
        return Get(Byte());
      case 'j':
        if (!Has(4)) return Corrupt("truncated LONG_BINGET");
        return Get(uint32_t(Le(4)));
      case '0': return Pop().status();
      case '1': return PopToMark().status();
      case '2': {
        TEXTEMBED_ASSIGN_OR_RETURN(Value* top, Top());
        const Value copy = *top;
        stack_.push_back(copy);
        return Status::Ok();
      }
      default: {
        static const char kHex[] = "0123456789abcdef";
        return Refuse(std::string("opcode 0x") + kHex[op >> 4] + kHex[op & 15] + " at byte " + std::to_string(at) +
                      " is not allowed");
      }
    }
  }

  Status Put(uint32_t index) {
    TEXTEMBED_ASSIGN_OR_RETURN(Value* top, Top());
    memo_[index] = *top;
    return Status::Ok();
  }
  Status Get(uint32_t index) {
    const auto it = memo_.find(index);
    if (it == memo_.end()) return Corrupt("memo entry " + std::to_string(index) + " used before it is set");
    stack_.push_back(it->second);
    return Status::Ok();
  }

  Result<std::vector<PickledTensor>> Collect(const Value& root) {
    if (root.kind != Kind::kDict) return Corrupt("the pickled object is not a dict of tensors");
    std::vector<PickledTensor> out;
    for (const auto& [key, value] : dicts_[root.ref]) {
      if (key.kind != Kind::kString) return Corrupt("a state_dict key is not a string");
      const std::string& name = strings_[key.ref];
      if (value.kind != Kind::kTensor) return Corrupt("value of '" + Printable(name) + "' is not a tensor");
      const Tensor& t = tensors_[value.ref];
      const Storage& s = storages_[t.storage];
      out.push_back(PickledTensor{name, s.key, s.dtype, s.numel, t.offset, t.shape, t.stride});
    }
    return out;
  }

  std::span<const std::byte> in_;
  const std::string& where_;
  size_t pos_ = 0;
  size_t budget_ = 16 * in_.size() + (size_t{1} << 16);
  std::vector<Value> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint32_t, Value> memo_;
  std::vector<std::string> strings_;
  std::vector<std::vector<Value>> seqs_;
  std::vector<std::vector<std::pair<Value, Value>>> dicts_;
  std::vector<Storage> storages_;
  std::vector<Tensor> tensors_;
};

}  // namespace

Result<std::vector<PickledTensor>> ReadStateDictPickle(std::span<const std::byte> pickle, const std::string& where) {
  try {
    return Machine(pickle, where).Run();
  } catch (const std::bad_alloc&) {
    return Status::ResourceExhausted(where + ": data.pkl: out of memory");
  }
}

}  // namespace textembed::engine
