// C++ runtime: exceptions across frames, RTTI, virtual calls, containers, iostreams.
#include <iostream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

struct Shape {
    virtual ~Shape() = default;
    virtual double area() const = 0;
    virtual std::string name() const = 0;
};
struct Rect : Shape {
    double w, h;
    Rect(double w_, double h_) : w(w_), h(h_) {}
    double area() const override { return w * h; }
    std::string name() const override { return "rect"; }
};
struct Square : Rect {
    explicit Square(double s) : Rect(s, s) {}
    std::string name() const override { return "square"; }
};

struct MyError : std::runtime_error {
    int code;
    MyError(const std::string& m, int c) : std::runtime_error(m), code(c) {}
};

static int depth_counter = 0;
struct Guard {
    int id;
    explicit Guard(int i) : id(i) { ++depth_counter; }
    ~Guard() {
        --depth_counter;
        std::cout << "unwind " << id << "\n";
    }
};

static void thrower(int n) {
    Guard g(n);
    if (n == 0) throw MyError("bottom reached", 42);
    thrower(n - 1);
}

int main() {
    std::vector<std::unique_ptr<Shape>> shapes;
    shapes.push_back(std::make_unique<Rect>(2, 3));
    shapes.push_back(std::make_unique<Square>(4));
    for (const auto& s : shapes) {
        std::cout << s->name() << " area " << s->area();
        if (dynamic_cast<Square*>(s.get())) std::cout << " (is a square)";
        std::cout << "\n";
    }
    try {
        thrower(3);
    } catch (const MyError& e) {
        std::cout << "caught MyError: " << e.what() << " code " << e.code << " live guards "
                  << depth_counter << "\n";
    }
    try {
        std::vector<int> v(3);
        (void)v.at(10);
    } catch (const std::out_of_range&) {
        std::cout << "caught out_of_range\n";
    }
    try {
        try {
            throw std::string("inner");
        } catch (const std::string& s) {
            std::cout << "rethrowing " << s << "\n";
            throw;
        }
    } catch (...) {
        std::cout << "caught rethrown\n";
    }
    std::map<std::string, int> counts;
    for (const char* w : {"a", "b", "a", "c", "b", "a"})
        counts[w]++;
    for (const auto& [k, v] : counts)
        std::cout << k << "=" << v << " ";
    std::cout << "\n";
    try {
        throw 7;
    } catch (int x) {
        std::cout << "caught int " << x << "\n";
        return x;
    }
}
